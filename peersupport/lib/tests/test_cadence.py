"""Staff contact cadence: two in the first month, then monthly."""

from __future__ import annotations

import datetime

from peersupport.lib.cadence import contact_due

START = datetime.date(2026, 9, 7)


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


def test_nothing_is_overdue_during_the_first_month() -> None:
    assert not contact_due(started_on=START, contacts=[], today=day(30)).overdue


def test_fewer_than_two_check_ins_in_the_first_month_is_overdue_after_it() -> None:
    verdict = contact_due(started_on=START, contacts=[day(3)], today=day(31))
    assert verdict.overdue and verdict.reason == "1 of 2 check-ins in the first month"
    assert not contact_due(started_on=START, contacts=[day(3), day(20)], today=day(31)).overdue


def test_then_monthly() -> None:
    contacts = [day(3), day(20)]
    assert not contact_due(started_on=START, contacts=contacts, today=day(50)).overdue
    verdict = contact_due(started_on=START, contacts=contacts, today=day(51))
    assert verdict.overdue and verdict.reason == "no check-in for 31 days"
    assert not contact_due(started_on=START, contacts=[*contacts, day(45)], today=day(70)).overdue


def test_contacts_before_the_start_or_in_the_future_do_not_count() -> None:
    verdict = contact_due(started_on=START, contacts=[day(-5), day(-1), day(90)], today=day(31))
    assert verdict.overdue
