"""Every URL pattern, for every role, the outsider from the other school and an
anonymous visitor: the answer each gets. A URL with no row here fails the suite, so
a new view cannot ship without an access rule.

Codes: 200 shown; 302 redirected (anonymous visitors to sign in, or after a POST
action, or allauth sending a signed-in user on); 403 the role may not; 404 the
object is not theirs (or does not exist: the two look the same); 405 wrong method.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import Persona
from peersupport.accounts.services import invitation_create
from peersupport.partners.services import signpost_entry_add
from peersupport.students.services import consent_record, import_batch_create

WHO = (
    "anonymous",
    "coordinator",
    "dsl",
    "facilitator",
    "viewer",
    "partner",
    "mentor",
    "student",
    "outsider",
)


def answers(anonymous: int, **overrides: int) -> dict[str, int]:
    """``default`` applies to every signed-in persona not named."""
    default = overrides.pop("default")
    table = dict.fromkeys(WHO, default)
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


MANAGERS_ONLY = answers(302, default=403, coordinator=200, dsl=200, outsider=200)
MANAGERS_OBJECT = answers(302, default=403, coordinator=200, dsl=200, outsider=404)
MANAGERS_OBJECT_ACTION = answers(302, default=403, coordinator=302, dsl=302, outsider=404)
SAFEGUARDING_OBJECT = answers(302, default=403, coordinator=404, dsl=200, outsider=404)
SAFEGUARDING_OBJECT_ACTION = answers(302, default=403, coordinator=404, dsl=302, outsider=404)
IMPACT_READERS = answers(302, default=403, coordinator=200, dsl=200, viewer=200, outsider=200)
IMPACT_READERS_OBJECT = answers(
    302, default=403, coordinator=200, dsl=200, viewer=200, outsider=404
)
ALLAUTH_SIGNED_IN_PAGE = answers(302, default=200)
ALLAUTH_ANONYMOUS_PAGE = answers(200, default=302)


@dataclass
class Rule:
    method: str
    expected: dict[str, int]
    kwargs: str | None = None  # which object fixture supplies the URL's arguments


MATRIX: dict[str, Rule] = {
    # Students and mentors are sent on to their own page.
    "home": Rule("get", answers(302, default=200, student=302, mentor=302)),
    # allauth: sign-in, sign-out, passwords, MFA.
    "account_login": Rule("get", ALLAUTH_ANONYMOUS_PAGE),
    "account_logout": Rule("get", answers(302, default=200)),
    "account_inactive": Rule("get", answers(200, default=200)),
    "account_signup": Rule("get", answers(200, default=302)),
    "account_reauthenticate": Rule("get", ALLAUTH_SIGNED_IN_PAGE),
    # Re-authenticating by an e-mailed code (allauth 65.22) is turned off: refused.
    "account_request_reauthentication_code": Rule("get", answers(302, default=403)),
    "account_confirm_reauthentication_code": Rule("get", answers(302, default=403)),
    "account_email": Rule("get", ALLAUTH_SIGNED_IN_PAGE),
    "account_email_verification_sent": Rule("get", answers(200, default=200)),
    "account_change_password": Rule("get", ALLAUTH_SIGNED_IN_PAGE),
    "account_set_password": Rule("get", answers(302, default=302)),
    "account_reset_password": Rule("get", answers(200, default=200)),
    "account_confirm_login_code": Rule("get", answers(302, default=302)),  # login by code is off
    "account_confirm_email": Rule("get", answers(200, default=200), "email_key"),
    "account_confirm_password_reset_code": Rule("get", answers(302, default=302)),
    "account_complete_password_reset": Rule("get", answers(302, default=302)),
    "account_password_reset_completed": Rule("get", answers(200, default=200)),
    "mfa_index": Rule("get", ALLAUTH_SIGNED_IN_PAGE),
    "mfa_authenticate": Rule("get", answers(302, default=302)),
    # Changing MFA needs a fresh sign-in (re-authentication): a session that did not
    # just type its password is sent to re-authenticate first (302).
    "mfa_reauthenticate": Rule(
        "get", answers(302, default=302, coordinator=200, dsl=200, partner=200, outsider=200)
    ),
    "mfa_activate_totp": Rule("get", answers(302, default=302)),
    # 404 for someone with no TOTP to deactivate; otherwise re-authenticate first.
    "mfa_deactivate_totp": Rule(
        "get", answers(302, default=404, coordinator=302, dsl=302, partner=302, outsider=302)
    ),
    # The personas have TOTP but no recovery codes yet: nothing to view or download.
    "mfa_view_recovery_codes": Rule("get", answers(302, default=404)),
    "mfa_generate_recovery_codes": Rule("get", answers(302, default=302)),
    "mfa_download_recovery_codes": Rule("get", answers(302, default=404)),
    # Ours.
    "accounts:school_switch": Rule("post", answers(302, default=404)),
    "accounts:staff_list": Rule("get", MANAGERS_ONLY),
    "accounts:staff_invite": Rule("get", MANAGERS_ONLY),
    "accounts:staff_detail": Rule("get", MANAGERS_OBJECT, "member"),
    "accounts:staff_disable": Rule("post", MANAGERS_OBJECT_ACTION, "member"),
    "accounts:staff_enable": Rule("post", MANAGERS_OBJECT_ACTION, "member"),
    "accounts:staff_unlock": Rule("post", MANAGERS_OBJECT_ACTION, "member"),
    "accounts:invitation_accept": Rule("get", answers(200, default=200), "invitation"),
    "students:list": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "students:import": Rule("get", MANAGERS_ONLY),
    "students:import_preview": Rule("get", MANAGERS_OBJECT, "import_batch"),
    "students:detail": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=404, outsider=404),
        "student",
    ),
    "students:consent_add": Rule("get", MANAGERS_OBJECT, "student"),
    "students:consent_withdraw": Rule("post", MANAGERS_OBJECT_ACTION, "consent"),
    "reports:audit_log": Rule("get", answers(302, default=403, dsl=200)),
    # Representation: counts only, small ones hidden, no names, so viewers read it
    # too; only coordinators and DSLs set or remove outreach targets.
    "reports:representation": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, viewer=200, outsider=200)
    ),
    "reports:representation_csv": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, viewer=200, outsider=200)
    ),
    # An empty target is refused with the page and its errors (400).
    "reports:representation_target_add": Rule(
        "post", answers(302, default=403, coordinator=400, dsl=400, outsider=400)
    ),
    "reports:representation_target_remove": Rule(
        "post", answers(302, default=403, coordinator=302, dsl=302, outsider=302)
    ),
    # Impact reports: coordinators and DSLs write; viewers read issued ones only.
    "reports:impact_list": Rule("get", IMPACT_READERS),
    "reports:impact_new": Rule("get", MANAGERS_ONLY),
    "reports:impact_report": Rule("get", IMPACT_READERS_OBJECT, "impact_report"),
    "reports:impact_pdf": Rule("get", IMPACT_READERS_OBJECT, "impact_report"),
    "reports:impact_csv": Rule("get", IMPACT_READERS_OBJECT, "impact_report"),
    "reports:impact_edit": Rule("get", MANAGERS_OBJECT, "impact_draft"),
    "reports:impact_issue": Rule("post", MANAGERS_OBJECT_ACTION, "impact_draft"),
    # The trust view: each reader sees the schools they may read reports in.
    "reports:trust": Rule("get", IMPACT_READERS),
    "reports:trust_csv": Rule("get", IMPACT_READERS),
    "reports:dashboard": Rule("get", MANAGERS_ONLY),
    "reports:dashboard_csv": Rule("get", MANAGERS_ONLY),
    "tasks:mine": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    # The task is the coordinator's: other staff get 404, as if it did not exist.
    "tasks:done": Rule(
        "post",
        answers(302, default=403, coordinator=302, dsl=404, facilitator=404, outsider=404),
        "task",
    ),
    "programmes:list": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "programmes:create": Rule("get", MANAGERS_ONLY),
    "programmes:self_referral": Rule("get", answers(302, default=403, student=200, mentor=200)),
    # The facilitator runs a group in the programme, so sees it.
    "programmes:detail": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "programme",
    ),
    "programmes:referral_detail": Rule("get", MANAGERS_OBJECT, "referral"),
    "programmes:mentorship_detail": Rule("get", MANAGERS_OBJECT, "mentorship"),
    "programmes:mentorship_change": Rule("post", MANAGERS_OBJECT_ACTION, "mentorship_action"),
    "meetings:list": Rule(
        "get",
        answers(
            302, default=403, coordinator=200, dsl=200, facilitator=200, mentor=200, outsider=200
        ),
    ),
    "meetings:at_risk": Rule("get", MANAGERS_ONLY),
    # An empty session note is refused with a message: a redirect back to the register.
    "meetings:session_change": Rule(
        "post",
        answers(
            302, default=403, coordinator=302, dsl=302, facilitator=302, mentor=404, outsider=404
        ),
        "session_action",
    ),
    "meetings:participants": Rule("get", MANAGERS_OBJECT, "programme"),
    "meetings:group": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "group",
    ),
    "meetings:group_member_add": Rule("post", MANAGERS_OBJECT_ACTION, "group"),
    "meetings:series_new": Rule("post", MANAGERS_OBJECT_ACTION, "group"),
    "meetings:contact_new": Rule("post", MANAGERS_OBJECT_ACTION, "mentorship"),
    "programmes:group_new": Rule("get", MANAGERS_OBJECT, "programme"),
    "programmes:mentorship_new": Rule("get", MANAGERS_OBJECT, "programme"),
    "programmes:referral_new": Rule("get", MANAGERS_OBJECT, "referral_student"),
    "programmes:mentors": Rule("get", MANAGERS_ONLY),
    "programmes:mentor_detail": Rule("get", MANAGERS_OBJECT, "mentor"),
    "programmes:mentor_apply": Rule("get", answers(302, default=403, student=200, mentor=200)),
    "programmes:keep_apart": Rule("get", MANAGERS_ONLY),
    # Mentors' training is for those who see every mentor (as the mentor list).
    "programmes:training_compliance": Rule("get", MANAGERS_ONLY),
    "programmes:training_compliance_csv": Rule("get", MANAGERS_ONLY),
    "programmes:training": Rule("get", MANAGERS_OBJECT, "programme"),
    # Supervision of peer mentors: the facilitator runs a group in the programme.
    "meetings:supervision_list": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "programme",
    ),
    "meetings:supervision_new": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "programme",
    ),
    # An empty cadence is refused with a message: a redirect back to the list.
    "meetings:supervision_cadence": Rule("post", MANAGERS_OBJECT_ACTION, "programme"),
    "meetings:supervision_detail": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "supervision",
    ),
    # Group ground rules: the group's staff may change them; peer mentors never do
    # (the group agrees changes in a session, and staff type them in). The student
    # persona is not a member of this group.
    "programmes:agreement_edit": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "group",
    ),
    "programmes:agreement_record": Rule(
        "post",
        answers(302, default=403, coordinator=302, dsl=302, facilitator=302, outsider=404),
        "agreement_student",
    ),
    "programmes:agreement_agree": Rule(
        "post", answers(302, default=403, student=404, mentor=404), "agreement"
    ),
    # Training: staff see it all; a peer mentor sees the mentors' modules; a student
    # who is not a mentor sees none.
    "training:modules": Rule(
        "get",
        answers(
            302, default=403, coordinator=200, dsl=200, facilitator=200, mentor=200, outsider=200
        ),
    ),
    "training:module": Rule(
        "get",
        answers(
            302,
            default=403,
            coordinator=200,
            dsl=200,
            facilitator=200,
            mentor=200,
            student=404,
            outsider=404,
        ),
        "module",
    ),
    # Protocols: staff read every one, a peer mentor those for mentors, a student who
    # is not a mentor none. Coordinators and DSLs publish versions and see who read them.
    "training:protocols": Rule(
        "get",
        answers(
            302, default=403, coordinator=200, dsl=200, facilitator=200, mentor=200, outsider=200
        ),
    ),
    "training:protocol": Rule(
        "get",
        answers(
            302,
            default=403,
            coordinator=200,
            dsl=200,
            facilitator=200,
            mentor=200,
            student=404,
            outsider=404,
        ),
        "protocol",
    ),
    # No version named in the form: sent back to the protocol with a message.
    "training:protocol_acknowledge": Rule(
        "post",
        answers(
            302,
            default=403,
            coordinator=302,
            dsl=302,
            facilitator=302,
            mentor=302,
            student=404,
            outsider=404,
        ),
        "protocol",
    ),
    "training:protocol_library": Rule("get", MANAGERS_ONLY),
    "training:protocol_manage": Rule("get", MANAGERS_OBJECT, "protocol"),
    # Module editing is for coordinators and DSLs; training sessions are run by staff.
    "training:module_new": Rule("get", MANAGERS_ONLY),
    "training:module_edit": Rule("get", MANAGERS_OBJECT, "module"),
    "training:events": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "training:event_new": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "training:event": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "training_event",
    ),
    # Nobody chosen is refused with a message: a redirect back to the session. The
    # facilitator is on this session's register but neither trains it nor set it up,
    # so it is not theirs to add people to.
    "training:event_invite": Rule(
        "post",
        answers(302, default=403, coordinator=302, dsl=302, facilitator=404, outsider=404),
        "training_event",
    ),
    "meetings:mine": Rule("get", answers(302, default=403, student=200, mentor=200)),
    # Nothing is waiting for an answer from these personas, so 404 for them.
    "meetings:fit_check": Rule(
        "post", answers(302, default=403, student=404, mentor=404), "mentorship"
    ),
    # The session is the facilitator's group's; the mentor is not part of it.
    "meetings:register": Rule(
        "get",
        answers(
            302, default=403, coordinator=200, dsl=200, facilitator=200, mentor=404, outsider=404
        ),
        "session",
    ),
    # An empty mark is refused (400) for those who may take the register.
    "meetings:register_mark": Rule(
        "post",
        answers(
            302, default=403, coordinator=400, dsl=400, facilitator=400, mentor=404, outsider=404
        ),
        "session_student",
    ),
    # Matching: coordinators and DSLs only; mentors and students never see a match run.
    "matching:programme": Rule("get", MANAGERS_OBJECT, "programme"),
    "matching:run": Rule("get", MANAGERS_OBJECT, "match_run"),
    "matching:solve": Rule("post", MANAGERS_OBJECT_ACTION, "match_run"),
    # An empty form of weights is refused (400) with the page and its field errors.
    "matching:settings": Rule(
        "post", answers(302, default=403, coordinator=400, dsl=400, outsider=404), "match_run"
    ),
    # No pair chosen, no two mentees to swap, or no pair to publish: refused with a
    # message, a redirect back to the run (as the other actions redirect).
    "matching:pin": Rule("post", MANAGERS_OBJECT_ACTION, "match_run"),
    "matching:unpin": Rule("post", MANAGERS_OBJECT_ACTION, "match_pin"),
    "matching:swap": Rule("post", MANAGERS_OBJECT_ACTION, "match_run"),
    "matching:publish": Rule("post", MANAGERS_OBJECT_ACTION, "match_run"),
    "matching:discard": Rule("post", MANAGERS_OBJECT_ACTION, "match_run"),
    "matching:solve_detail": Rule("get", MANAGERS_OBJECT, "match_solve"),
    "matching:preferences": Rule("get", MANAGERS_OBJECT, "referral_student"),
    # Group formation: coordinators and DSLs only, like match runs.
    "matching:groups": Rule("get", MANAGERS_OBJECT, "group_programme"),
    "matching:formation": Rule("get", MANAGERS_OBJECT, "group_formation"),
    "matching:formation_create": Rule("post", MANAGERS_OBJECT_ACTION, "group_formation"),
    "matching:formation_discard": Rule("post", MANAGERS_OBJECT_ACTION, "group_formation"),
    # Concerns: anyone in the school but viewers and partners raises one; only its
    # raiser sees the thank-you page. Staff read them by role (the concern here is a
    # mentor's wellbeing worry: not the facilitator's, nor a conflict in their
    # group); a mentor never reads one back. An empty response is refused with a
    # message: a redirect back to the concern.
    "concerns:raise": Rule("get", answers(302, default=200, viewer=403, partner=403)),
    "concerns:thanks": Rule(
        "get", answers(302, default=404, viewer=403, partner=403, mentor=200), "raised_concern"
    ),
    # wellbeing: staff pages
    # A student's measures: coordinators and DSLs, and the facilitator of a group the
    # student is in (student_a is in the facilitator's group). Outcomes name nobody,
    # so viewers read them too; feedback trends go to the staff running the groups.
    "wellbeing:staff_student_measures": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "student",
    ),
    "wellbeing:staff_scores_enter": Rule("get", MANAGERS_OBJECT, "student"),
    "wellbeing:staff_outcomes": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, viewer=200, outsider=404),
        "programme",
    ),
    "wellbeing:staff_outcomes_csv": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, viewer=200, outsider=404),
        "programme",
    ),
    "wellbeing:staff_feedback_trends": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "programme",
    ),
    "wellbeing:staff_you_said_we_did": Rule("get", MANAGERS_ONLY),
    # Research exports: coordinators and DSLs of the school only.
    "partners:research": Rule("get", MANAGERS_ONLY),
    "concerns:list": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "concerns:detail": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=404, outsider=404),
        "raised_concern",
    ),
    "concerns:close": Rule("post", MANAGERS_OBJECT_ACTION, "raised_concern"),
    # Conflicts: coordinators and DSLs every one, a facilitator those in their own
    # groups (this one is in the facilitator's group). An empty account is refused
    # with the page (400); a step with none chosen is sent back with a message.
    # Keeping apart and lifting it: coordinators and DSLs (nothing to lift: sent
    # back with a message).
    "concerns:conflicts": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=200)
    ),
    "concerns:conflict_open": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "conflict_concern",
    ),
    "concerns:conflict_detail": Rule(
        "get",
        answers(302, default=403, coordinator=200, dsl=200, facilitator=200, outsider=404),
        "conflict",
    ),
    "concerns:conflict_account": Rule(
        "post",
        answers(302, default=403, coordinator=400, dsl=400, facilitator=400, outsider=404),
        "conflict",
    ),
    "concerns:conflict_step": Rule(
        "post",
        answers(302, default=403, coordinator=302, dsl=302, facilitator=302, outsider=404),
        "conflict",
    ),
    "concerns:conflict_keep_apart": Rule("post", MANAGERS_OBJECT_ACTION, "conflict"),
    "concerns:conflict_lift_keep_apart": Rule("post", MANAGERS_OBJECT_ACTION, "conflict"),
    # Urgent words: the DSLs only (the outsider is another school's coordinator).
    "concerns:urgent_flags": Rule("get", answers(302, default=403, dsl=200)),
    "concerns:urgent_flag": Rule("get", answers(302, default=403, dsl=200), "urgent_flag"),
    "concerns:settings": Rule(
        "get", answers(302, default=403, coordinator=200, dsl=200, outsider=200)
    ),
    "concerns:urgent_phrases": Rule("get", answers(302, default=403, dsl=200)),
    "concerns:urgent_phrase_toggle": Rule(
        "post", answers(302, default=403, dsl=302), "urgent_phrase"
    ),
    # wellbeing: student pages. A student's own questionnaire, goals and feedback on
    # a session they were at; the mentor persona (a student too) has goals of their
    # own but the others' records are 404; staff roles 403. An empty rating is
    # refused with the page (400).
    "wellbeing:questionnaire": Rule(
        "get", answers(302, default=403, student=200, mentor=404), "own_questionnaire"
    ),
    "wellbeing:goals": Rule("get", answers(302, default=403, student=200, mentor=200)),
    "wellbeing:goal_rate": Rule(
        "post", answers(302, default=403, student=400, mentor=404), "own_goal"
    ),
    "wellbeing:feedback": Rule(
        "get", answers(302, default=403, student=200, mentor=404), "feedback_session"
    ),
    "wellbeing:feedback_thanks": Rule("get", answers(302, default=403, student=200, mentor=200)),
    # Signposting: the help page for every signed-in member of a school; its entries
    # kept by coordinators and DSLs (another school's entry is 404).
    # The directory of outside services (helper: directory): coordinators and DSLs
    # of the school; an empty form sent to an organisation's page is refused with
    # the page (400).
    "partners:organisations": Rule("get", MANAGERS_ONLY),
    "partners:organisation_create": Rule("get", MANAGERS_ONLY),
    "partners:settings": Rule("get", MANAGERS_ONLY),
    "partners:organisation": Rule("get", MANAGERS_OBJECT, "directory_organisation"),
    "partners:organisation_edit": Rule("get", MANAGERS_OBJECT, "directory_organisation"),
    "partners:agreement_record": Rule(
        "post",
        answers(302, default=403, coordinator=400, dsl=400, outsider=404),
        "directory_organisation",
    ),
    "partners:service_add": Rule(
        "post",
        answers(302, default=403, coordinator=400, dsl=400, outsider=404),
        "directory_organisation",
    ),
    "partners:contact_add": Rule(
        "post",
        answers(302, default=403, coordinator=400, dsl=400, outsider=404),
        "directory_organisation",
    ),
    "partners:training_record": Rule(
        "post",
        answers(302, default=403, coordinator=400, dsl=400, outsider=404),
        "directory_organisation",
    ),
    "partners:service_edit": Rule("get", MANAGERS_OBJECT, "directory_service"),
    "partners:contact_edit": Rule("get", MANAGERS_OBJECT, "directory_contact"),
    "partners:help": Rule("get", answers(302, default=200)),
    "partners:signposting_manage": Rule("get", MANAGERS_ONLY),
    "partners:signposting_edit": Rule("get", MANAGERS_OBJECT, "signpost_entry"),
    "partners:signposting_checked": Rule("post", MANAGERS_OBJECT_ACTION, "signpost_entry"),
    "partners:signposting_remove": Rule("post", MANAGERS_OBJECT_ACTION, "signpost_entry"),
    # Safeguarding: the DSLs only. A coordinator (the outsider is one, elsewhere)
    # guessing a record's address gets 404, as if there were none; other roles 403.
    # The list has no object: a coordinator gets 403. An empty entry or transfer
    # form is refused with the page (400); an empty receipt is sent back with a
    # message. The student's file is student_a's (named in the safeguarding concern).
    "concerns:safeguarding_list": Rule("get", answers(302, default=403, dsl=200)),
    "concerns:safeguarding_detail": Rule("get", SAFEGUARDING_OBJECT, "safeguarding"),
    "concerns:safeguarding_acknowledge": Rule("post", SAFEGUARDING_OBJECT_ACTION, "safeguarding"),
    "concerns:safeguarding_entry_add": Rule(
        "post",
        answers(302, default=403, coordinator=404, dsl=400, outsider=404),
        "safeguarding",
    ),
    "concerns:safeguarding_student": Rule("get", SAFEGUARDING_OBJECT, "student"),
    "concerns:safeguarding_transfer": Rule(
        "post", answers(302, default=403, coordinator=404, dsl=400, outsider=404), "student"
    ),
    "concerns:safeguarding_export": Rule("get", SAFEGUARDING_OBJECT, "student"),
    "concerns:safeguarding_transfer_receipt": Rule(
        "post", SAFEGUARDING_OBJECT_ACTION, "safeguarding_transfer"
    ),
    # Referrals out: coordinators and DSLs; the override is a DSL's alone. Empty
    # POSTs are sent back to the referral with a message (302). The partner reaches
    # the referral made to their organisation on their own pages, nobody else does.
    "partners:referrals": Rule("get", MANAGERS_ONLY),
    "partners:referral_new": Rule("get", MANAGERS_OBJECT, "referral_student"),
    "partners:referral": Rule("get", MANAGERS_OBJECT, "referral_out"),
    # A sent referral cannot be changed: its edit page sends staff back to it.
    "partners:referral_edit": Rule(
        "get",
        answers(302, default=403, coordinator=302, dsl=302, outsider=404),
        "referral_out",
    ),
    "partners:referral_consent": Rule("post", MANAGERS_OBJECT_ACTION, "referral_out"),
    "partners:referral_override": Rule("post", answers(302, default=403, dsl=302), "referral_out"),
    "partners:referral_send": Rule("post", MANAGERS_OBJECT_ACTION, "referral_out"),
    "partners:referral_status": Rule("post", MANAGERS_OBJECT_ACTION, "referral_out"),
    "partners:referral_note": Rule("post", MANAGERS_OBJECT_ACTION, "referral_out"),
    "partners:partner_home": Rule("get", answers(302, default=403, partner=200)),
    "partners:partner_referral": Rule(
        "get", answers(302, default=403, partner=200), "referral_out"
    ),
    "partners:partner_referral_status": Rule(
        "post", answers(302, default=403, partner=302), "referral_out"
    ),
    "partners:partner_referral_note": Rule(
        "post", answers(302, default=403, partner=302), "referral_out"
    ),
}
OBJECT_KWARGS = (
    "referral_out",
    "directory_organisation",
    "directory_service",
    "directory_contact",
    "supervision",
    "member",
    "student",
    "consent",
    "import_batch",
    "task",
    "programme",
    "referral",
    "mentorship",
    "mentorship_action",
    "session",
    "session_student",
    "session_action",
    "group",
    "referral_student",
    "mentor",
    "module",
    "training_event",
    "protocol",
    "agreement",
    "agreement_student",
    "match_run",
    "match_pin",
    "match_solve",
    "group_programme",
    "group_formation",
    "raised_concern",
    "conflict",
    "conflict_concern",
    "urgent_flag",
    "urgent_phrase",
    "safeguarding",
    "safeguarding_transfer",
    "signpost_entry",
    "impact_report",
    "impact_draft",
)


def url_names(patterns: list[Any], namespace: str | None = None) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from url_names(pattern.url_patterns, joined)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_has_a_rule_in_the_matrix() -> None:
    names = set(url_names(get_resolver().url_patterns))
    assert names - set(MATRIX) == set(), "URLs with no access rule"
    assert set(MATRIX) - names == set(), "rules for URLs that no longer exist"


@pytest.fixture
def objects(personas: dict[str, Persona], student_a: Any) -> dict[str, dict[str, Any]]:
    coordinator = personas["coordinator"]
    school = coordinator.school
    _, token = invitation_create(
        actor=coordinator.user,
        school=school,
        email="new.teacher@northgate.example",
        role="facilitator",
    )
    consent = consent_record(
        actor=coordinator.user,
        student=student_a,
        kind="take_part",
        given=True,
        given_by="A Parent",
        relationship="mother",
        method="paper",
        given_on=datetime.date.today(),
    )
    batch = import_batch_create(
        actor=coordinator.user,
        school=school,
        filename="roll.csv",
        content="UPN\n",
        mark_leavers=False,
    )
    from conftest import make_student
    from peersupport.programmes import services as programmes
    from peersupport.tasks.services import task_open

    for name in ("student", "mentor"):
        record = make_student(school, legal_forename=name.title(), year_group=10)
        record.user = personas[name].user
        record.save()
    programme = programmes.programme_create(
        actor=coordinator.user, school=school, name="Mentoring", kind="one_to_one", capacity=10
    )
    group = programmes.group_create(
        actor=coordinator.user,
        programme=programme,
        name="Lunch group",
        facilitators=[personas["facilitator"].user],
    )
    programmes.group_add_member(actor=coordinator.user, group=group, student=student_a)
    from peersupport.meetings.services import session_create

    session = session_create(
        actor=coordinator.user,
        group=group,
        date=datetime.date.today(),
        start_time=datetime.time(12),
    )
    referral = programmes.referral_create(
        actor=coordinator.user,
        programme=programme,
        student=student_a,
        source="staff",
        need_areas=["anxiety"],
    )
    mentor_record = personas["mentor"].user.student_record
    mentor = programmes.mentor_apply(actor=coordinator.user, student=mentor_record, why="To help")
    programmes.mentor_give_reference(actor=coordinator.user, mentor=mentor, reference="Good")
    programmes.mentor_set_status(actor=coordinator.user, mentor=mentor, status="in_training")
    programmes.mentor_set_status(actor=coordinator.user, mentor=mentor, status="active")
    mentorship = programmes.mentorship_propose(
        actor=coordinator.user, programme=programme, mentor=mentor, mentee=student_a
    )
    from peersupport.training.models import TrainingModule

    # A module as the shipped curriculum would install it.
    training_module = TrainingModule.objects.create(
        school=school, key="listening", title="Active listening", content="# Listen"
    )
    from peersupport.training.services import event_create

    training_event = event_create(
        actor=coordinator.user,
        module=training_module,
        held_on=datetime.date.today(),
        trainer_name="A visiting trainer",
        users=[personas["facilitator"].user],
    )
    from peersupport.training.models import Protocol, ProtocolVersion

    # A protocol for mentors, as the starter protocols install it (version 1).
    protocol = Protocol.objects.create(
        school=school, key="heated", title="If a session gets heated", audience="mentors"
    )
    ProtocolVersion.objects.create(school=school, protocol=protocol, number=1, content="## Calm")
    task, _ = task_open(
        school=school,
        kind="rematch",
        title="Offer a new match",
        subject_type="mentorship",
        subject_public_id=mentorship.public_id,
        assigned_to=coordinator.user,
    )
    # A supervision of a mentor (not the mentor persona) who co-facilitates the group.
    from peersupport.meetings.services import SupervisionAnswer, supervision_record

    supervised = programmes.mentor_apply(
        actor=coordinator.user, student=make_student(school, year_group=11), why="To help"
    )
    programmes.mentor_give_reference(actor=coordinator.user, mentor=supervised, reference="Good")
    programmes.mentor_set_status(actor=coordinator.user, mentor=supervised, status="in_training")
    programmes.mentor_set_status(actor=coordinator.user, mentor=supervised, status="active")
    programmes.group_add_co_facilitator(actor=coordinator.user, group=group, mentor=supervised)
    supervision = supervision_record(
        actor=coordinator.user,
        programme=programme,
        held_on=datetime.date.today(),
        kind="group",
        came=[SupervisionAnswer(mentor=supervised, feeling=4)],
        notes="Talked about listening.",
    )
    # group_create gives every group the starter ground rules as version 1.
    agreement = group.agreements.get()
    # A match run of the programme, with a mentee waiting, a rejected pair and a
    # result, so its page shows everything.
    from peersupport.matching import services as matching

    waiting = make_student(school, legal_forename="Wren", year_group=7)
    programmes.referral_accept(
        actor=coordinator.user,
        referral=programmes.referral_create(
            actor=coordinator.user,
            programme=programme,
            student=waiting,
            source="staff",
            need_areas=["friendships"],
        ),
    )
    match_run = matching.run_open(actor=coordinator.user, programme=programme)
    match_pin = matching.pin_set(
        actor=coordinator.user, run=match_run, mentee=waiting, mentor=supervised, kind="reject"
    )
    match_solve = matching.run_solve(actor=coordinator.user, run=match_run)
    # A group programme with two students to place and a proposal of one group.
    group_programme = programmes.programme_create(
        actor=coordinator.user, school=school, name="Circle", kind="group", capacity=10
    )
    for name in ("Ola", "Pip"):
        programmes.referral_accept(
            actor=coordinator.user,
            referral=programmes.referral_create(
                actor=coordinator.user,
                programme=group_programme,
                student=make_student(school, legal_forename=name, year_group=8),
                source="staff",
                need_areas=["friendships"],
            ),
        )
    group_formation = matching.formation_solve(
        actor=coordinator.user,
        programme=group_programme,
        leaders=[(personas["facilitator"].user, 1)],
        min_size=2,
    )
    from peersupport.concerns.services import concern_raise

    raised_concern = concern_raise(
        actor=personas["mentor"].user, school=school, kind="wellbeing", text="Tom seems sad."
    )
    # A conflict in the facilitator's group with its record open, and a conflict
    # concern in that group whose record is not opened yet.
    from peersupport.concerns.models import UrgentPhrase
    from peersupport.concerns.services import conflict_open, urgent_check

    fell_out = make_student(school, legal_forename="Fen", year_group=9)
    conflict = conflict_open(
        actor=coordinator.user,
        concern=concern_raise(
            actor=coordinator.user,
            school=school,
            kind="conflict",
            text="A falling-out at lunch.",
            students=[student_a, fell_out],
            group=group,
        ),
        students=[student_a, fell_out],
        group=group,
    )
    conflict_concern = concern_raise(
        actor=coordinator.user,
        school=school,
        kind="conflict",
        text="Another falling-out.",
        students=[student_a, fell_out],
        group=group,
    )
    urgent_flag = urgent_check(
        school=school,
        text="I want to kill myself",
        source_type="check_in",
        source_public_id=uuid.uuid4(),
    )
    assert urgent_flag is not None
    urgent_phrase = UrgentPhrase.objects.filter(school=school).first()
    assert urgent_phrase is not None
    # A safeguarding concern about student_a, and a transfer of their file.
    from peersupport.concerns.services import safeguarding_transfer_record

    safeguarding = concern_raise(
        actor=personas["facilitator"].user,
        school=school,
        kind="safeguarding",
        text="Ada has a bruise she will not explain.",
        students=[student_a],
    )
    safeguarding_transfer = safeguarding_transfer_record(
        actor=personas["dsl"].user,
        student=student_a,
        recipient_school="Hillside High",
        recipient_name="Ms Rivers",
        sent_on=datetime.date.today(),
    )
    # wellbeing: student pages. A questionnaire and a goal of the student persona,
    # and a session today of a group they are in.
    from peersupport.wellbeing.models import Questionnaire
    from peersupport.wellbeing.services import goal_set

    own_record = personas["student"].user.student_record
    own_questionnaire = Questionnaire.objects.create(
        school=school,
        student=own_record,
        instrument="scwbs",
        occasion="baseline",
        due_on=datetime.date.today(),
    )
    own_goal = goal_set(
        actor=personas["student"].user, student=own_record, text="Speak up", first_rating=3
    )
    feedback_group = programmes.group_create(
        actor=coordinator.user, programme=programme, name="Feedback group"
    )
    programmes.group_add_member(actor=coordinator.user, group=feedback_group, student=own_record)
    feedback_session = session_create(
        actor=coordinator.user,
        group=feedback_group,
        date=datetime.date.today(),
        start_time=datetime.time(9),
    )
    signpost_entry = signpost_entry_add(
        actor=coordinator.user,
        school=school,
        kind="school",
        name="Pastoral office",
        what_for="Talk to someone when you feel worried.",
        where="Room 12",
    )
    from peersupport.partners import services as directory_services

    directory_organisation = directory_services.organisation_create(
        actor=coordinator.user, school=school, name="Northgate MHST", kind="mhst"
    )
    directory_service = directory_services.service_add(
        actor=coordinator.user, organisation=directory_organisation, name="Low-intensity CBT"
    )
    directory_contact = directory_services.contact_add(
        actor=coordinator.user, organisation=directory_organisation, name="Sam Practitioner"
    )
    # Referrals out: one sent to an organisation the partner persona is a contact
    # of, under an agreement in force.
    from peersupport.partners.models import Agreement, Contact, Organisation, ReferralOut

    referral_organisation = Organisation.objects.create(
        school=school, name="Northgate CAMHS", kind="camhs"
    )
    Agreement.objects.create(
        school=school,
        organisation=referral_organisation,
        signed_on=datetime.date.today() - datetime.timedelta(days=30),
        review_on=datetime.date.today() + datetime.timedelta(days=300),
        scope="Referrals",
        recorded_by=coordinator.user,
    )
    Contact.objects.create(
        school=school,
        organisation=referral_organisation,
        name="Dr Partner",
        user=personas["partner"].user,
    )
    referral_out = ReferralOut.objects.create(
        school=school,
        student=student_a,
        organisation=referral_organisation,
        reason="Low mood",
        status="sent",
        sent_on=datetime.date.today(),
        status_changed_on=datetime.date.today(),
        shared_snapshot="{}",
        made_by=coordinator.user,
    )
    from peersupport.reports.services import (
        impact_report_create,
        impact_report_issue,
    )

    impact_draft = impact_report_create(
        actor=coordinator.user,
        school=school,
        title="Autumn term",
        period_from=datetime.date.today() - datetime.timedelta(days=90),
        period_to=datetime.date.today(),
    )
    impact_report = impact_report_issue(
        actor=coordinator.user,
        report=impact_report_create(
            actor=coordinator.user,
            school=school,
            title="Summer term",
            period_from=datetime.date.today() - datetime.timedelta(days=90),
            period_to=datetime.date.today(),
        ),
    )
    return {
        "impact_report": {"public_id": impact_report.public_id},
        "impact_draft": {"public_id": impact_draft.public_id},
        "referral_out": {"public_id": referral_out.public_id},
        "signpost_entry": {"public_id": signpost_entry.public_id},
        "directory_organisation": {"public_id": directory_organisation.public_id},
        "directory_service": {"public_id": directory_service.public_id},
        "directory_contact": {"public_id": directory_contact.public_id},
        "safeguarding": {"public_id": safeguarding.public_id},
        "own_questionnaire": {"public_id": own_questionnaire.public_id},
        "own_goal": {"public_id": own_goal.public_id},
        "feedback_session": {"public_id": feedback_session.public_id},
        "safeguarding_transfer": {"public_id": safeguarding_transfer.public_id},
        "conflict": {"public_id": conflict.public_id},
        "conflict_concern": {"public_id": conflict_concern.public_id},
        "urgent_flag": {"public_id": urgent_flag.public_id},
        "urgent_phrase": {"public_id": urgent_phrase.public_id},
        "raised_concern": {"public_id": raised_concern.public_id},
        "supervision": {"public_id": supervision.public_id},
        "agreement": {"public_id": agreement.public_id},
        "agreement_student": {"public_id": agreement.public_id, "student": student_a.public_id},
        "match_run": {"public_id": match_run.public_id},
        "match_pin": {"public_id": match_run.public_id, "pin": match_pin.public_id},
        "match_solve": {"public_id": match_solve.public_id},
        "group_programme": {"public_id": group_programme.public_id},
        "group_formation": {"public_id": group_formation.public_id},
        "task": {"public_id": task.public_id},
        "programme": {"public_id": programme.public_id},
        "referral": {"public_id": referral.public_id},
        "mentorship": {"public_id": mentorship.public_id},
        "mentorship_action": {"public_id": mentorship.public_id, "action": "start"},
        "session": {"public_id": session.public_id},
        "session_action": {"public_id": session.public_id, "action": "log"},
        "group": {"public_id": group.public_id},
        "referral_student": {"student": student_a.public_id},
        "mentor": {"public_id": mentor.public_id},
        "module": {"public_id": training_module.public_id},
        "training_event": {"public_id": training_event.public_id},
        "protocol": {"public_id": protocol.public_id},
        "session_student": {"public_id": session.public_id, "student": student_a.public_id},
        "member": {"public_id": personas["viewer"].membership.public_id},
        "student": {"public_id": student_a.public_id},
        "consent": {"public_id": consent.public_id},
        "import_batch": {"public_id": batch.public_id},
        "invitation": {"token": token},
        "email_key": {"key": uuid.uuid4().hex},
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_the_answer_the_matrix_gives(
    name: str, personas: dict[str, Persona], objects: dict[str, dict[str, Any]]
) -> None:
    """Every role, one after the other, on the same objects (built once per URL, which
    keeps the matrix fast): each request runs in a savepoint rolled back after it,
    so what one role's POST changes never decides the next role's answer."""
    rule = MATRIX[name]
    url = reverse(name, kwargs=objects[rule.kwargs] if rule.kwargs else None)
    wrong = []
    for who in WHO:
        with transaction.atomic():
            client = Client()
            if who != "anonymous":
                client.force_login(
                    personas[who].user,
                    backend="allauth.account.auth_backends.AuthenticationBackend",
                )
            response = getattr(client, rule.method)(url)
            transaction.set_rollback(True)
        if response.status_code != rule.expected[who]:
            wrong.append(
                f"{who} {rule.method.upper()} {url}: {response.status_code}, "
                f"expected {rule.expected[who]}"
            )
        elif (
            who == "anonymous"
            and response.status_code == 302
            and rule.kwargs is None
            and not response.url.startswith(reverse("account_login"))
            and not name.startswith(("account", "mfa"))
        ):
            wrong.append(f"anonymous GET {url} sent to {response.url}, not to sign in")
    assert wrong == []


@pytest.mark.parametrize(
    "name",
    sorted(
        n for n, r in MATRIX.items() if r.kwargs in ("member", "student", "consent", "import_batch")
    ),
)
def test_the_outsider_gets_404_on_every_object_url_of_the_other_school(
    name: str, client: Client, personas: dict[str, Persona], objects: dict[str, dict[str, Any]]
) -> None:
    rule = MATRIX[name]
    client.force_login(
        personas["outsider"].user, backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    response = getattr(client, rule.method)(reverse(name, kwargs=objects[rule.kwargs]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    sorted(
        n for n, r in MATRIX.items() if r.kwargs in ("member", "student", "consent", "import_batch")
    ),
)
def test_a_member_of_both_schools_working_in_the_other_gets_404(
    name: str, client: Client, personas: dict[str, Persona], objects: dict[str, dict[str, Any]]
) -> None:
    """Role checks are per school: the DSL of school A, working in school B (where
    they are also a DSL), cannot reach school A's records from there."""
    from peersupport.accounts.middleware import CURRENT_SCHOOL
    from peersupport.accounts.models import Role
    from peersupport.accounts.services import membership_grant

    dsl = personas["dsl"]
    membership_grant(actor=None, school=personas["outsider"].school, user=dsl.user, role=Role.DSL)
    client.force_login(dsl.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    session[CURRENT_SCHOOL] = str(personas["outsider"].school.public_id)
    session.save()
    rule = MATRIX[name]
    response = getattr(client, rule.method)(reverse(name, kwargs=objects[rule.kwargs]))
    assert response.status_code == 404
