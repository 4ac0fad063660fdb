"""The national services file loads, names the services students need, and a
broken file is refused with a message that names the problem."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from peersupport.partners.signposting import (
    SignpostingError,
    help_page_services,
    load_national_services,
    not_checked_for_a_year,
)

SHIPPED = Path(__file__).resolve().parents[1] / "signposting.json"


def shipped_data() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any, name: str = "signposting.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_the_shipped_file_names_the_national_services_with_numbers() -> None:
    services = {service.key: service for service in load_national_services().all}
    assert services["childline"].phone == "0800 1111"
    assert services["samaritans"].phone == "116 123"
    assert services["shout"].text_to == "85258"
    assert services["papyrus_hopeline247"].phone == "0800 068 4141"
    assert "youngminds" in services
    assert services["childline"].phone_link == "tel:08001111"


def test_the_emergency_numbers_come_first_and_include_999() -> None:
    loaded = load_national_services()
    assert loaded.all[0].phone == "999"
    assert all(service.group == "emergency" for service in loaded.emergency)
    assert loaded.all[: len(loaded.emergency)] == loaded.emergency


def test_every_shipped_service_says_where_it_was_checked() -> None:
    for service in load_national_services().all:
        assert service.sources, service.key
        assert all(source.url.startswith("https://") for source in service.sources)
        if not service.fully_verified:
            assert "NOT VERIFIED" in service.notes, service.key


def test_a_file_that_is_not_json_is_refused_with_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"schema_version": 1,\n "services": [}')
    with pytest.raises(SignpostingError, match=r"signposting.json: not valid JSON: .* line 2"):
        load_national_services(path)


def test_a_phone_number_with_letters_is_refused_naming_the_service(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][2]["phone"] = "0800 CHILD"
    with pytest.raises(SignpostingError) as raised:
        load_national_services(write(tmp_path, data))
    assert "services[2].phone: a phone number has only digits and spaces" in str(raised.value)


def test_a_service_with_no_way_to_reach_it_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][3].update(phone="", text="", text_to="", website="")
    with pytest.raises(SignpostingError, match="needs a phone number, a text line or a website"):
        load_national_services(write(tmp_path, data))


def test_a_text_line_without_its_number_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][4]["text_to"] = ""
    with pytest.raises(SignpostingError, match="needs both its words"):
        load_national_services(write(tmp_path, data))


def test_two_services_with_one_key_are_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][3]["key"] = "childline"
    with pytest.raises(SignpostingError, match="two services have the key 'childline'"):
        load_national_services(write(tmp_path, data))


def test_a_checked_date_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][0]["sources"][0]["checked"] = "2026-02-30"
    with pytest.raises(SignpostingError, match="not a real date"):
        load_national_services(write(tmp_path, data))


def test_a_service_without_a_source_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][0]["sources"] = []
    with pytest.raises(SignpostingError, match=r"services\[0\].sources"):
        load_national_services(write(tmp_path, data))


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][0]["fax"] = "0800 000"
    with pytest.raises(SignpostingError, match=r"services\[0\].fax"):
        load_national_services(write(tmp_path, data))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SignpostingError, match="does not exist"):
        load_national_services(tmp_path / "nothing.json")


def test_a_year_without_a_check_is_flagged_and_less_is_not() -> None:
    today = datetime.date(2026, 11, 29)
    assert not_checked_for_a_year(datetime.date(2025, 11, 29), today)
    assert not_checked_for_a_year(datetime.date(2024, 1, 1), today)
    assert not not_checked_for_a_year(datetime.date(2025, 11, 30), today)
    assert not not_checked_for_a_year(today, today)
    assert not_checked_for_a_year(datetime.date(2027, 2, 28), datetime.date(2028, 2, 29))


def test_each_detail_carries_its_own_verification_and_students_get_only_verified_ones() -> None:
    services = {service.key: service for service in load_national_services().all}
    papyrus = services["papyrus_hopeline247"]
    assert papyrus.verified and papyrus.unverified == ["text"]
    assert papyrus.unverified_details == [("text line", "Text 88247")]
    shown = {service.key: service for service in help_page_services(load_national_services().all)}
    assert "youngminds" not in shown  # the whole service is not verified
    assert shown["papyrus_hopeline247"].phone == "0800 068 4141"
    assert shown["papyrus_hopeline247"].text == shown["papyrus_hopeline247"].text_link == ""
    assert shown["shout"].text_link == "sms:85258"
    for service in shown.values():
        assert service.verified, service.key
        assert all(getattr(service, detail) == "" for detail in service.unverified), service.key


def test_an_unverified_detail_the_service_has_not_got_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][2]["unverified"] = ["text"]  # Childline has no text line
    with pytest.raises(SignpostingError, match=r"services\[2\]: unverified names the text"):
        load_national_services(write(tmp_path, data))


def test_a_verified_service_with_every_way_to_reach_it_unverified_is_refused(
    tmp_path: Path,
) -> None:
    data = shipped_data()
    data["services"][2]["unverified"] = ["phone", "website"]
    with pytest.raises(SignpostingError, match='set "verified" to false'):
        load_national_services(write(tmp_path, data))


def test_an_unknown_detail_named_unverified_is_refused(tmp_path: Path) -> None:
    data = shipped_data()
    data["services"][2]["unverified"] = ["fax"]
    with pytest.raises(SignpostingError, match=r"services\[2\].unverified"):
        load_national_services(write(tmp_path, data))
