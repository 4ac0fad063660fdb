"""The representation page on the demo school, and on one ten times its size: the
same number of queries. (The demo is seeded with 120 and 1,200 students, not its
default 1,200 and 12,000, to keep the suite quick; the ratio is what matters.)"""

from __future__ import annotations

import io
from typing import Any

import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from peersupport.accounts.models import Role
from peersupport.demo.tests.test_seed_demo import NOW
from peersupport.schools.models import School


def page_queries(students: int) -> int:
    with time_machine.travel(NOW):
        call_command("seed_demo", "--students", str(students), "--seed", "3", stdout=io.StringIO())
        main = School.objects.order_by("urn").first()
        assert main is not None
        # A governor (a viewer: no second factor needed) reads the page.
        governor = make_user("governor@demo.example", "Governor", main, Role.VIEWER, False)
        client = Client()
        client.force_login(
            governor.user, backend="allauth.account.auth_backends.AuthenticationBackend"
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reports:representation"))
        assert response.status_code == 200
        assert "Students supported" in response.content.decode()
        return len(queries)


def test_the_demo_school_and_one_ten_times_bigger_run_the_same_queries(
    db: None, settings: Any
) -> None:
    settings.DEMO_MODE = True
    # The small demo is built in a savepoint rolled back afterwards (flushing inside
    # the test's transaction fails on PostgreSQL with deferred constraints pending).
    with transaction.atomic():
        small = page_queries(120)
        transaction.set_rollback(True)
    big = page_queries(1200)
    # As in test_representation_page, less the progress query (the demo sets no
    # outreach targets).
    assert small == 17
    assert big == small
