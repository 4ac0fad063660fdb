"""Every write of reports (it writes nothing else): outreach targets, and impact
reports with their narrative, issued with their figures frozen."""

from __future__ import annotations

# -------------------------------- representation (helper: representation)

# -------------------------------- impact reports (helper: impact)
