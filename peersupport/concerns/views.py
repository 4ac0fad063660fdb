"""Raising concerns, the lists and records staff may see, the DSL's safeguarding
records, conflicts, and the urgent-words list."""

from __future__ import annotations

# ---------------------------------------------------------------- raising a concern

# ---------------------------------------------------------------- safeguarding

# ---------------------------------------------------------------- conflicts

# ---------------------------------------------------------------- urgent words
