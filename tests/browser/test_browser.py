"""In a real browser: sign in with a password and a TOTP code, enrol in MFA, preview
and confirm an MIS import, and every page each role can reach is axe-core clean."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, Persona, make_user
from peersupport.accounts.models import Role
from peersupport.demo.roll import make_upn
from peersupport.students.models import Student
from tests.browser.conftest import assert_accessible
from tests.test_authorization_matrix import MATRIX, WHO, objects  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_sign_in_with_password_and_code(page: Any, axe: Any, personas: dict[str, Persona]) -> None:
    coordinator = personas["coordinator"]
    page.goto(reverse("home"))
    page.wait_for_url("**/accounts/login/**")
    assert_accessible(axe, page)
    page.get_by_label("E-mail").fill(coordinator.user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert "not correct" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/2fa/authenticate/**")
    assert_accessible(axe, page)
    assert coordinator.totp_secret
    page.get_by_label("Code").fill(totp_now(coordinator.totp_secret))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Northgate Academy").wait_for()
    assert_accessible(axe, page)


def test_mfa_enrolment(page: Any, axe: Any, school_a: Any) -> None:
    person = make_user("enrol@northgate.example", "Enrol Me", school_a, Role.DSL, mfa=False)
    page.goto(reverse("account_login"))
    page.get_by_label("E-mail").fill(person.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(reverse("students:list"))
    # Not enrolled: sent to enrol, which first asks for the password again.
    page.wait_for_url("**/reauthenticate/**")
    assert_accessible(axe, page)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/2fa/totp/activate/**")
    assert_accessible(axe, page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/activate/" not in url)
    assert_accessible(axe, page)
    page.goto(reverse("students:list"))
    page.get_by_role("heading", name="Students").wait_for()
    assert_accessible(axe, page)


def signed_in(page: Any, live_server: Any, persona: Persona) -> None:
    client = Client()
    client.force_login(persona.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_import_preview_and_confirm(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona], tmp_path: Path
) -> None:
    coordinator = personas["coordinator"]
    signed_in(page, live_server, coordinator)
    header = "UPN,Surname,Forename,DOB,Year\n"
    good = [f"{make_upn('801', '4001', 14, n)},Pupil,Number{n},01/10/2014,Y7" for n in range(1, 6)]
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(header + "\n".join([*good, "NOTAUPN,Bad,Row,31/02/2014,7"]) + "\n")
    good_file = tmp_path / "roll.csv"
    good_file.write_text(header + "\n".join(good) + "\n")

    page.goto(reverse("students:import"))
    assert_accessible(axe, page)
    page.get_by_label("Student list (CSV)").set_input_files(str(bad_file))
    page.get_by_role("button", name="Check the file").click()
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "7" in errors.locator("tbody tr").first.inner_text()  # line 7
    assert "not a possible date" in errors.inner_text()
    assert_accessible(axe, page)
    assert not Student.objects.exists()

    page.get_by_label("Student list (CSV)").set_input_files(str(good_file))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/students/import/*-*/")
    assert "new students" in page.content()
    assert_accessible(axe, page)
    assert not Student.objects.exists()
    page.get_by_role("button", name="Import 5 changes").click()
    page.get_by_role("heading", name="Import finished").wait_for()
    assert_accessible(axe, page)
    assert Student.objects.filter(school=coordinator.school).count() == 5


@pytest.mark.parametrize("who", [w for w in WHO if w != "anonymous"])
def test_every_page_a_role_can_reach_has_no_axe_violations(
    who: str,
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    objects: dict[str, dict[str, Any]],  # noqa: F811
) -> None:
    signed_in(page, live_server, personas[who])
    visited = 0
    for name, rule in sorted(MATRIX.items()):
        if rule.method != "get" or rule.expected[who] != 200:
            continue
        if name == "account_logout":
            continue  # visiting it is fine, but keep the session for the next pages
        url = reverse(name, kwargs=objects[rule.kwargs] if rule.kwargs else None)
        if url.endswith((".csv", ".pdf")):
            continue  # a download, not a page (its content has tests of its own)
        response = page.goto(url)
        assert response.status == 200, f"{who} {url}: {response.status}"
        assert_accessible(axe, page)
        visited += 1
    assert visited >= 5
