"""Navigation for the base layout: which links the current role sees."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from peersupport.accounts.models import Role

NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("Home", "home", frozenset(Role.values) - {Role.STUDENT, Role.MENTOR}),
    ("My page", "meetings:mine", frozenset({Role.STUDENT, Role.MENTOR})),
    ("Get help now", "partners:help", frozenset(Role.values)),
    ("My tasks", "tasks:mine", frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR})),
    (
        "Students",
        "students:list",
        frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR}),
    ),
    (
        "Programmes",
        "programmes:list",
        frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR}),
    ),
    (
        "Sessions",
        "meetings:list",
        frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR}),
    ),
    ("At risk", "meetings:at_risk", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Concerns", "concerns:list", frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR})),
    ("Safeguarding", "concerns:safeguarding_list", frozenset({Role.DSL})),
    ("Mentors", "programmes:mentors", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Keep apart", "programmes:keep_apart", frozenset({Role.COORDINATOR, Role.DSL})),
    (
        "Training",
        "training:modules",
        frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR}),
    ),
    ("Ask for support", "programmes:self_referral", frozenset({Role.STUDENT, Role.MENTOR})),
    ("My referrals", "partners:partner_home", frozenset({Role.PARTNER})),
    ("Outside services", "partners:organisations", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Impact reports", "reports:impact_list", frozenset({Role.COORDINATOR, Role.DSL, Role.VIEWER})),
    (
        "Who takes part",
        "reports:representation",
        frozenset({Role.COORDINATOR, Role.DSL, Role.VIEWER}),
    ),
    ("Programme health", "reports:dashboard", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Import", "students:import", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Staff", "accounts:staff_list", frozenset({Role.COORDINATOR, Role.DSL})),
    ("Access log", "reports:audit_log", frozenset({Role.DSL})),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_links": [], "demo_mode": settings.DEMO_MODE}
    path = request.path
    links: list[dict[str, Any]] = []
    for label, name, roles in NAVIGATION:
        if membership.role not in roles:
            continue
        links.append({"label": label, "url": reverse(name), "current": False})
    # The link whose address is the longest start of this page's address is the
    # current one ("/sessions/at-risk/" is At risk, not Sessions).
    matching = [
        link
        for link in links
        if path == link["url"] or (link["url"] != "/" and path.startswith(link["url"]))
    ]
    if matching:
        max(matching, key=lambda link: len(link["url"]))["current"] = True
    return {"nav_links": links, "demo_mode": settings.DEMO_MODE}
