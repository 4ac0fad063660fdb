"""Every write about outside services: the directory and agreements, referrals out
with consent and status, partners' updates, signposting, research exports."""

from __future__ import annotations

# ---------------------------------------------------------------- directory (helper: directory)

# ---------------------------------------------------------------- referrals (helper: referrals)

# ---------------------------------------------------------------- signposting (helper: signposting)

# ---------------------------------------------------------------- research (helper: research)
