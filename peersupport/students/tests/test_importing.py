"""Reading MIS exports: header spellings, encodings, formats, and every kind of bad
row reported with its line number and reason."""

from __future__ import annotations

import datetime

import pytest

from peersupport.demo.roll import make_upn
from peersupport.students.importing import parse_mis_csv

TODAY = datetime.date(2026, 11, 25)
UPN1 = make_upn("801", "4001", 14, 1)
UPN2 = make_upn("801", "4001", 14, 2)
UPN3 = make_upn("801", "4001", 14, 3)


def parse(text: str, encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
    return parse_mis_csv(text.encode(encoding), today=TODAY)


SIMS = (
    "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender,"
    "Ethnicity,FSM Eligible,Pupil Premium,EAL,SEN Status,SEN Primary Need\r\n"
    f'{UPN1},"O\'Neill, Jr",Siobhan,Shiv,01/10/2014,Year 7,7A,F,WIRI,Y,Y,N,K,SEMH\r\n'
)
ARBOR = (
    "UPN,Last Name,First Name,Date of Birth,Year Group,Registration Group,Sex,Ethnicity,"
    "Free School Meals,Pupil Premium,EAL,SEN Status,Primary Need\n"
    f"{UPN1},Kowalski,Jakub,2014-10-01,Y7,7B,Male,White - British,Yes,No,Yes,N,\n"
)
BROMCOM = (
    "UPN;Surname;Forename;Date Of Birth;NC Year Actual;Form;Gender;Ethnic Code\n".replace(";", ",")
    + f"{UPN1},Mensah,Kwame,1.10.2014,7,7C,M,Black - African\n"
)


@pytest.mark.parametrize("text", [SIMS, ARBOR, BROMCOM], ids=["SIMS", "Arbor", "Bromcom"])
def test_the_common_mis_exports_are_recognised(text: str) -> None:
    parsed = parse(text)
    assert parsed.ok, (parsed.errors, parsed.file_errors)
    row = parsed.rows[0]
    assert row["upn"] == UPN1
    assert row["year_group"] == 7
    assert row["date_of_birth"] == datetime.date(2014, 10, 1)


def test_values_are_read_as_the_school_means_them() -> None:
    sims = parse(SIMS).rows[0]
    assert sims["legal_surname"] == "O'Neill, Jr"  # quoted field with a comma
    assert sims["preferred_forename"] == "Shiv"
    assert (sims["fsm"], sims["pupil_premium"], sims["eal"]) == (True, True, False)
    assert (sims["sen_status"], sims["sen_primary_need"]) == ("K", "SEMH")
    arbor = parse(ARBOR).rows[0]
    assert arbor["ethnicity"] == "WBRI"  # a description, not a code
    assert arbor["gender"] == "M"
    assert parse(BROMCOM).rows[0]["ethnicity"] == "BAFR"


def test_a_byte_order_mark_and_windows_line_endings_are_fine() -> None:
    parsed = parse_mis_csv(b"\xef\xbb\xbf" + SIMS.encode(), today=TODAY)
    assert parsed.ok and parsed.rows[0]["upn"] == UPN1


def test_a_windows_1252_file_is_read() -> None:
    text = f"UPN,Surname,Forename,DOB,Year\r\n{UPN1},Zoë,Renée,01/10/2014,7\r\n"
    parsed = parse(text, encoding="cp1252")
    assert parsed.ok and parsed.rows[0]["legal_surname"] == "Zoë"


@pytest.mark.parametrize(
    "year,expected",
    [("7", 7), ("Y7", 7), ("Year 7", 7), ("year 11", 11), ("R", 0), ("Reception", 0), ("13", 13)],
)
def test_year_groups_in_every_spelling(year: str, expected: int) -> None:
    parsed = parse(f"UPN,Surname,Forename,DOB,Year\n{UPN1},A,B,01/10/2014,{year}\n")
    assert parsed.rows[0]["year_group"] == expected


def test_a_quoted_field_spanning_lines_keeps_the_line_numbers_right() -> None:
    text = (
        "UPN,Surname,Forename,DOB,Year,Notes\n"
        f'{UPN1},Smith,Ann,01/10/2014,7,"a note\nover two lines"\n'
        f"{UPN2},Brown,,01/10/2014,7,\n"
        f'{UPN3},Green,,01/10/2014,7,"another\nlong note"\n'
    )
    parsed = parse(text)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (4, "missing forename"),
        (5, "missing forename"),  # the line the row starts on
    ]


def test_a_line_break_inside_a_name_is_refused() -> None:
    parsed = parse(f'UPN,Surname,Forename,DOB,Year\n{UPN1},"Able\r\nX",Ann,01/10/2014,7\n')
    assert "line break or control character" in parsed.errors[0].reason


def test_a_cut_off_row_is_refused_rather_than_blanking_its_flags() -> None:
    text = (
        "UPN,Surname,Forename,DOB,Year,FSM,SEN Status,Looked After\n"
        f"{UPN1},Able,Ann,01/10/2014,7\n"
        f"{UPN2},Baker,Ben,01/10/2014,7,Y,E,Y,extra value\n"
        f"{UPN3},Cole,Cat,01/10/2014,7,N,N,N,\n"  # a trailing comma is fine
    )
    parsed = parse(text)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "the row has 5 values but the heading row has 8"),
        (3, "the row has 9 values but the heading row has 8"),
    ]
    assert [row["upn"] for row in parsed.rows] == [UPN3]


BAD_ROWS = [
    (",Smith,Ann,01/10/2014,7,,", "missing UPN"),
    (f"A{UPN1[1:]},Smith,Ann,01/10/2014,7,,", "invalid check letter"),
    ("X8014001A4001,Smith,Ann,01/10/2014,7,,", "not in the UPN format"),
    (f"{UPN1[:-1]},Smith,Ann,01/10/2014,7,,", "not 13 characters"),
    (f"{UPN1},Smith,Ann,31/02/2014,7,,", "not a possible date"),
    (f"{UPN1},Smith,Ann,01/10/2031,7,,", "in the future"),
    (f"{UPN1},,Ann,01/10/2014,7,,", "missing surname"),
    (f"{UPN1},Smith,Ann,,7,,", "missing date of birth"),
    (f"{UPN1},Smith,Ann,01/10/2014,Year 15,,", "not Reception or Year 1 to 13"),
    (f"{UPN1},Smith,Ann,01/10/2014,7,ZZZZ,", "unknown ethnicity code 'ZZZZ'"),
    (f"{UPN1},Smith,Ann,01/10/2014,7,WBRI,Q", "unknown SEN status 'Q'"),
]


@pytest.mark.parametrize("row,reason", BAD_ROWS, ids=[reason for _, reason in BAD_ROWS])
def test_each_kind_of_bad_row_is_reported_with_its_line_and_reason(row: str, reason: str) -> None:
    text = (
        "UPN,Surname,Forename,DOB,Year,Ethnicity,SEN Status\n"
        f"{UPN2},Good,Row,01/10/2014,7,WBRI,N\n"
        f"{row}\n"
        f"{UPN3},Good,Row,01/10/2014,7,WBRI,N\n"
    )
    parsed = parse(text)
    assert not parsed.ok
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == 3
    assert reason in parsed.errors[0].reason


def test_an_unknown_need_code_and_a_bad_flag_are_reported() -> None:
    text = (
        f"UPN,Surname,Forename,DOB,Year,SEN Primary Need,FSM\n{UPN1},A,B,01/10/2014,7,XYZ,maybe\n"
    )
    reasons = [e.reason for e in parse(text).errors]
    assert reasons == ["FSM 'maybe' is not yes or no", "unknown SEN primary need 'XYZ'"]


def test_a_duplicate_upn_names_the_first_line() -> None:
    text = f"UPN,Surname,Forename,DOB,Year\n{UPN1},A,B,01/10/2014,7\n{UPN2},C,D,01/10/2014,7\n{UPN1},E,F,01/10/2014,7\n"
    errors = parse(text).errors
    assert [(e.line, e.reason) for e in errors] == [(4, f"duplicate UPN {UPN1}: also on line 2")]


def test_a_file_without_the_needed_columns_says_which() -> None:
    parsed = parse("Name,Class\nAnn,7A\n")
    assert not parsed.ok
    assert "UPN, surname, forename, date of birth, year group" in parsed.file_errors[0]


def test_an_empty_file_is_refused_clearly() -> None:
    assert parse("").file_errors == ["The file is empty."]
    assert parse("UPN,Surname,Forename,DOB,Year\n").file_errors == [
        "The file has a heading row but no students."
    ]


@pytest.mark.parametrize("authority", ["838", "839", "940", "941", "942", "943"])
def test_upns_of_newer_local_authorities_are_accepted(authority: str) -> None:
    upn = make_upn(authority, "4001", 14, 7)
    parsed = parse(f"UPN,Surname,Forename,DOB,Year\n{upn},A,B,01/10/2014,7\n")
    assert parsed.ok and parsed.rows[0]["upn"] == upn
    wrong_letter = ("A" if upn[0] != "A" else "B") + upn[1:]
    refused = parse(f"UPN,Surname,Forename,DOB,Year\n{wrong_letter},A,B,01/10/2014,7\n")
    assert "invalid check letter" in refused.errors[0].reason
