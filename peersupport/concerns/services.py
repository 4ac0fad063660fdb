"""Every write of concerns: raising a concern, safeguarding records (acknowledge,
add to the chronology, escalate, transfer), conflicts (the restorative steps,
keeping students apart while unresolved) and urgent words. Each is audited."""

from __future__ import annotations

# ---------------------------------------------------------------- raising a concern

# ---------------------------------------------------------------- safeguarding

# ---------------------------------------------------------------- conflicts

# ---------------------------------------------------------------- urgent words
