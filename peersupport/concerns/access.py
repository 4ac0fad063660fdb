"""Who may see which concerns. DSLs: everything. Coordinators: every concern except
safeguarding ones. Facilitators: the concerns they raised, and conflicts in their
own groups. Partners, viewers, mentors and students: no concern content at all (a
mentor cannot read back even their own worry). Anything else answers 404."""

from __future__ import annotations

# ---------------------------------------------------------------- concerns

# ---------------------------------------------------------------- safeguarding

# ---------------------------------------------------------------- conflicts

# ---------------------------------------------------------------- urgent words
