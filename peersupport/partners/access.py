"""Who may reach which outside-services records. Each ``*_for`` returns the record
or raises Http404; each ``*_visible_to`` returns a queryset limited to what the user
may see.

Coordinators and DSLs manage the directory, agreements and referrals out (only a
DSL's referral may share from safeguarding records). A partner user sees only the
referrals made to their own organisation, that have been sent and are not yet
closed or declined, while the organisation's data sharing agreement is in force,
and of each only the items it shares; every partner read is audited. Students,
mentors and every member of staff read the signposting page."""

from __future__ import annotations

# ---------------------------------------------------------------- directory (helper: directory)

# -------------------------------- referrals and partner users (helper: referrals)

# ---------------------------------------------------------------- signposting (helper: signposting)

# ---------------------------------------------------------------- research (helper: research)
