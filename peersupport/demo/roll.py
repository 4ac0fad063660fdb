"""A generated demo roll: plausible names and demographics for an English school,
written as an MIS-style CSV so the demo goes through the real import. No real
student data anywhere."""

from __future__ import annotations

import csv
import datetime
import io
import random

from stdnum.gb import upn as upn_rules

FORENAMES_F = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Willow",
    "Florence",
    "Emily",
    "Ella",
    "Poppy",
    "Evie",
    "Elsie",
    "Charlotte",
    "Aisha",
    "Fatima",
    "Maryam",
    "Zainab",
    "Amira",
    "Zofia",
    "Maja",
    "Chloe",
    "Jessica",
    "Ruby",
    "Hannah",
    "Priya",
    "Ananya",
    "Chantelle",
    "Kemi",
    "Adaeze",
    "Mei",
    "Hui",
    "Niamh",
    "Siobhan",
    "Layla",
    "Sienna",
]
FORENAMES_M = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Oscar",
    "Harry",
    "Jack",
    "Charlie",
    "Jacob",
    "Freddie",
    "Alfie",
    "Theo",
    "Henry",
    "Archie",
    "Thomas",
    "Joshua",
    "James",
    "William",
    "Mohammed",
    "Muhammad",
    "Ibrahim",
    "Yusuf",
    "Ali",
    "Omar",
    "Jakub",
    "Kacper",
    "Filip",
    "Tyrone",
    "Kwame",
    "Tunde",
    "Chidi",
    "Wei",
    "Jun",
    "Arjun",
    "Rohan",
    "Dylan",
    "Kai",
    "Reuben",
    "Callum",
    "Finley",
    "Liam",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hussain",
    "Ali",
    "Ahmed",
    "Begum",
    "Kowalski",
    "Nowak",
    "Wisniewski",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Chen",
    "Wang",
    "Li",
    "Singh",
    "Kaur",
    "Sharma",
    "Murphy",
    "Kelly",
    "O'Brien",
    "Hughes",
    "Edwards",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "King",
    "Lee",
    "Turner",
    "Hill",
    "Moore",
    "Ward",
]

# Approximate proportions for secondary schools in England (DfE census, rounded).
ETHNICITY_WEIGHTS = {
    "WBRI": 62,
    "WIRI": 0.5,
    "WIRT": 0.3,
    "WOTH": 6.5,
    "WROM": 0.5,
    "MWBC": 1.6,
    "MWBA": 1.0,
    "MWAS": 1.8,
    "MOTH": 2.3,
    "AIND": 3.6,
    "APKN": 4.6,
    "ABAN": 1.9,
    "AOTH": 2.0,
    "BCRB": 1.0,
    "BAFR": 4.2,
    "BOTH": 1.0,
    "CHNE": 0.6,
    "OOTH": 2.2,
    "REFU": 1.0,
    "NOBT": 0.5,
}
NEED_WEIGHTS = {
    "SEMH": 22,
    "SLCN": 14,
    "SPLD": 17,
    "MLD": 14,
    "ASD": 16,
    "OTH": 4,
    "PD": 2,
    "HI": 2,
    "VI": 1,
    "NSA": 6,
    "SLD": 1,
    "MSI": 0.5,
    "PMLD": 0.5,
}
HEADER = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "DOB",
    "Year",
    "Reg Group",
    "Gender",
    "Ethnicity",
    "FSM Eligible",
    "Pupil Premium",
    "EAL",
    "SEN Status",
    "SEN Primary Need",
    "Looked After",
]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_upn(la: str, establishment: str, issue_year: int, serial: int) -> str:
    body = f"{la}{establishment}{issue_year % 100:02d}{serial:03d}"
    return upn_rules.calc_check_digit(body) + body


def demo_roll_csv(
    *,
    seed: int,
    students: int,
    establishment: str,
    years: range = range(7, 12),
    forms_per_year: str = "ABCDEFGH",
    today: datetime.date | None = None,
) -> bytes:
    """An MIS-style export (SIMS headings, dd/mm/yyyy dates, Y/N flags)."""
    rng = random.Random(seed)
    today = today or datetime.date.today()
    academic_start = today.year if today.month >= 9 else today.year - 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    per_year = max(1, students // len(years))
    form_count = max(1, min(len(forms_per_year), round(per_year / 30)))
    serial = 0
    issued: dict[tuple[int, int], int] = {}
    for index in range(students):
        year = years[min(index // per_year, len(years) - 1)]
        gender = rng.choice("FM") if rng.random() > 0.01 else "X"
        first = rng.choice(FORENAMES_F if gender == "F" else FORENAMES_M)
        # Born between 1 September and 31 August of the year that puts them in `year`.
        born_year = academic_start - year - 5
        dob = datetime.date(born_year, 9, 1) + datetime.timedelta(days=rng.randrange(365))
        fsm = rng.random() < 0.25
        pupil_premium = fsm or rng.random() < 0.05
        sen = rng.choices("NKE", weights=[84.5, 13, 2.5])[0]
        need = _weighted(rng, NEED_WEIGHTS) if sen != "N" else ""
        serial += 1
        issue = (academic_start - year + 4, serial % 1000)
        # Serials have three digits: past a thousand in one year group (the largest
        # rolls), the rest were given their UPN in the neighbouring local authority.
        la = 801 + issued.get(issue, 0)
        issued[issue] = issued.get(issue, 0) + 1
        upn = make_upn(str(la), establishment, issue[0], issue[1])
        if serial % 1000 == 0:
            serial += 1
        writer.writerow(
            [
                upn,
                rng.choice(SURNAMES),
                first,
                first[:3] if rng.random() < 0.03 else "",
                dob.strftime("%d/%m/%Y"),
                f"Year {year}",
                f"{year}{forms_per_year[rng.randrange(form_count)]}",
                gender,
                _weighted(rng, ETHNICITY_WEIGHTS),
                "Y" if fsm else "N",
                "Y" if pupil_premium else "N",
                "Y" if rng.random() < 0.18 else "N",
                sen,
                need,
                "Y" if rng.random() < 0.006 else "N",
            ]
        )
    return out.getvalue().encode("utf-8")
