"""Reading a student list exported from an MIS (SIMS, Arbor, Bromcom) as CSV.

Pure Python with no Django: it turns the file's bytes into clean rows and a list of
errors, each with its line number and reason. Comparing the rows with the database
and writing them is the job of ``selectors.import_preview`` and
``services.students_import``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.gb import upn as upn_rules

ETHNICITY_CODES: dict[str, str] = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy / Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black - African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}
SEN_NEEDS = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}

# Column headings as the common MIS exports spell them, after _normal_heading().
HEADINGS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "unique pupil number", "pupil upn"),
    "legal_surname": ("legal surname", "surname", "last name", "family name", "legal last name"),
    "legal_forename": (
        "legal forename",
        "forename",
        "first name",
        "legal first name",
        "given name",
    ),
    "preferred_forename": ("preferred forename", "preferred first name", "known as"),
    "preferred_surname": ("preferred surname", "preferred last name"),
    "date_of_birth": ("dob", "date of birth", "birth date", "birthdate"),
    "year_group": (
        "year",
        "nc year actual",
        "year group",
        "national curriculum year",
        "nc year",
        "curriculum year",
    ),
    "form": ("reg group", "form", "registration group", "reg", "tutor group", "form group"),
    "gender": ("gender", "sex"),
    "ethnicity": ("ethnicity", "ethnic code", "ethnicity code", "ethnic origin", "ethnic group"),
    "fsm": (
        "fsm eligible",
        "fsm",
        "free school meals",
        "eligible for fsm",
        "fsm eligibility",
        "fsm eligible indicator",
    ),
    "pupil_premium": ("pupil premium", "pp", "pupil premium indicator", "pp eligible"),
    "eal": ("eal", "english as an additional language", "eal status"),
    "sen_status": ("sen status", "sen provision", "sen"),
    "sen_primary_need": (
        "sen primary need",
        "primary need",
        "sen need",
        "sen need type",
        "primary sen need",
    ),
    "looked_after": ("looked after", "in care", "cla", "lac", "looked after child"),
}
REQUIRED = ("upn", "legal_surname", "legal_forename", "date_of_birth", "year_group")
LABELS = {
    "upn": "UPN",
    "legal_surname": "surname",
    "legal_forename": "forename",
    "date_of_birth": "date of birth",
    "year_group": "year group",
}

TRUE_VALUES = {"y", "yes", "true", "t", "1"}
FALSE_VALUES = {"n", "no", "false", "f", "0", ""}
GENDERS = {"m": "M", "male": "M", "f": "F", "female": "F", "x": "X", "other": "X", "u": "X"}
SEN_STATUSES = {
    "n": "N",
    "no sen": "N",
    "none": "N",
    "no special educational need": "N",
    "k": "K",
    "sen support": "K",
    "e": "E",
    "ehc plan": "E",
    "ehcp": "E",
    "education health and care plan": "E",
    # Statements were all converted to EHC plans by 2018; old exports still say S.
    "s": "E",
    "statement": "E",
}
YEAR_PATTERN = re.compile(r"^(?:y|yr|year|nc|nc year)?\s*(\d{1,2})$")
RECEPTION = {"r", "rec", "reception", "yr r", "year r", "yr"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def _normal_heading(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


ETHNICITY_LOOKUP = {code.lower(): code for code in ETHNICITY_CODES}
ETHNICITY_LOOKUP.update({_squash(label): code for code, label in ETHNICITY_CODES.items()})
ETHNICITY_LOOKUP.update(
    {
        _squash(alias): code
        for alias, code in {
            "White British": "WBRI",
            "White Irish": "WIRI",
            "Black African": "BAFR",
            "Black - Caribbean": "BCRB",
            "Mixed - White and Black Caribbean": "MWBC",
            "Mixed - White and Black African": "MWBA",
            "Mixed - White and Asian": "MWAS",
            "Asian - Indian": "AIND",
            "Asian - Pakistani": "APKN",
            "Asian - Bangladeshi": "ABAN",
            "Gypsy Roma": "WROM",
            "Any other ethnic background": "OOTH",
            "Information refused": "REFU",
            "Not obtained": "NOBT",
        }.items()
    }
)
NEED_LOOKUP = {code.lower(): code for code in SEN_NEEDS}
NEED_LOOKUP.update({_squash(label): code for code, label in SEN_NEEDS.items()})


@dataclass
class RowError:
    line: int
    upn: str
    reason: str


@dataclass
class ParsedImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    file_errors: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark; older SIMS exports are Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def parse_date(raw: str, today: datetime.date) -> datetime.date:
    for pattern in DATE_FORMATS:
        try:
            value = datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
        if value > today:
            raise ValueError(f"date of birth {raw!r} is in the future")
        if value.year < 1900:
            raise ValueError(f"date of birth {raw!r} is impossible")
        return value
    raise ValueError(f"{raw!r} is not a possible date (use dd/mm/yyyy or yyyy-mm-dd)")


def parse_year(raw: str) -> int:
    text = raw.strip().lower()
    if text in RECEPTION:
        return 0
    match = YEAR_PATTERN.match(text)
    if match is None or not 0 <= int(match.group(1)) <= 13:
        raise ValueError(f"year group {raw!r} is not Reception or Year 1 to 13")
    return int(match.group(1))


def parse_bool(raw: str, label: str) -> bool:
    text = raw.strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(f"{label} {raw!r} is not yes or no")


def _choice(raw: str, lookup: dict[str, str], label: str, squash: bool = False) -> str:
    text = raw.strip()
    if text == "":
        return ""
    key = _squash(text) if squash else text.lower()
    value = lookup.get(text.lower()) or lookup.get(key)
    if value is None:
        raise ValueError(f"unknown {label} {raw!r}")
    return value


def check_upn(raw: str) -> str:
    text = raw.strip().upper().replace(" ", "")
    if not text:
        raise ValueError("missing UPN")
    try:
        return str(upn_rules.validate(text))
    except InvalidChecksum:
        raise ValueError(f"UPN {raw!r} has an invalid check letter") from None
    except InvalidLength:
        raise ValueError(f"UPN {raw!r} is not 13 characters") from None
    except InvalidComponent:
        # python-stdnum's list of local authority numbers lags behind reorganisations
        # (838 and 839 Dorset and BCP, 940 and 941 Northamptonshire, 942 and 943
        # Cumbria's successors): the format is already checked, so check the letter.
        if upn_rules.calc_check_digit(text[1:]) != text[0]:
            raise ValueError(f"UPN {raw!r} has an invalid check letter") from None
        return text
    except InvalidFormat:
        raise ValueError(f"UPN {raw!r} is not in the UPN format") from None


def _convert(name: str, raw: str, today: datetime.date) -> Any:
    if name == "upn":
        return check_upn(raw)
    if name in ("legal_surname", "legal_forename"):
        if not raw.strip():
            raise ValueError(f"missing {LABELS[name]}")
        return _plain_text(raw, LABELS[name], 100)
    if name in ("preferred_forename", "preferred_surname"):
        return _plain_text(raw, name.replace("_", " "), 100)
    if name == "form":
        return _plain_text(raw, "form", 20)
    if name == "date_of_birth":
        if not raw.strip():
            raise ValueError("missing date of birth")
        return parse_date(raw.strip(), today)
    if name == "year_group":
        if not raw.strip():
            raise ValueError("missing year group")
        return parse_year(raw)
    if name == "gender":
        return _choice(raw, GENDERS, "gender")
    if name == "ethnicity":
        return _choice(raw, ETHNICITY_LOOKUP, "ethnicity code", squash=True)
    if name == "sen_status":
        return _choice(raw, SEN_STATUSES, "SEN status") or "N"
    if name == "sen_primary_need":
        return _choice(raw, NEED_LOOKUP, "SEN primary need", squash=True)
    return parse_bool(
        raw,
        {"fsm": "FSM", "pupil_premium": "pupil premium", "eal": "EAL"}.get(
            name, name.replace("_", " ")
        ),
    )


def _shape_problems(cells: list[str], width: int) -> list[str]:
    """A row with fewer values than headings has lost some (a cut-off line); with
    more, a value probably holds an unquoted comma. Either way the values would land
    in the wrong fields, so the row is refused rather than guessed at. Empty values
    after the last heading are allowed (some exports end each row with a comma)."""
    if len(cells) < width:
        return [f"the row has {len(cells)} values but the heading row has {width}"]
    if any(cell.strip() for cell in cells[width:]):
        return [f"the row has {len(cells)} values but the heading row has {width}"]
    return []


def _plain_text(raw: str, label: str, limit: int) -> str:
    text = raw.strip()
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise ValueError(f"{label} {text[:30]!r} has a line break or control character")
    return text[:limit]


def match_columns(header: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Which column holds each field: the first heading that matches a known
    spelling wins (so "Legal Surname" is preferred to "Surname" when both exist)."""
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    normal = [_normal_heading(h) for h in header]
    for name, spellings in HEADINGS.items():
        for spelling in spellings:
            if spelling in normal:
                positions[name] = normal.index(spelling)
                headings[name] = header[positions[name]].strip()
                break
    return positions, headings


def parse_mis_csv(data: bytes, *, today: datetime.date | None = None) -> ParsedImport:
    today = today or datetime.date.today()
    result = ParsedImport()
    try:
        text = decode(data)
    except UnicodeDecodeError:
        result.file_errors.append("The file is not text in UTF-8 or Windows-1252.")
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.file_errors.append("The file is empty.")
        return result
    except csv.Error as error:
        result.file_errors.append(f"The file is not readable CSV: {error}.")
        return result
    positions, result.columns = match_columns(header)
    missing = [LABELS[name] for name in REQUIRED if name not in positions]
    if missing:
        result.file_errors.append(
            "The file has no column for: " + ", ".join(missing) + ". "
            "Export the student list with UPN, surname, forename, date of birth and year."
        )
        return result
    first_line_of_upn: dict[str, int] = {}
    last_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            result.errors.append(RowError(last_line + 1, "", f"unreadable row: {error}"))
            break
        # A quoted value may span lines: report the line the row starts on.
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        reasons = _shape_problems(cells, len(header))
        row: dict[str, Any] = {}
        for name, position in positions.items():
            raw = cells[position] if position < len(cells) else ""
            try:
                row[name] = _convert(name, raw, today)
            except ValueError as error:
                reasons.append(str(error))
        upn = row.get("upn", "")
        if upn and upn in first_line_of_upn:
            reasons.append(f"duplicate UPN {upn}: also on line {first_line_of_upn[upn]}")
        elif upn:
            first_line_of_upn[upn] = line
        if reasons:
            raw_upn = cells[positions["upn"]].strip() if positions["upn"] < len(cells) else ""
            result.errors.extend(RowError(line, raw_upn, reason) for reason in reasons)
            continue
        result.rows.append(row)
        result.lines.append(line)
    if not result.rows and not result.errors:
        result.file_errors.append("The file has a heading row but no students.")
    return result
