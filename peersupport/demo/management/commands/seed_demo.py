"""python manage.py seed_demo [--seed N] [--students N] [--if-empty]

Builds, through the services, a generated secondary school with one staff user in
each role, and a second small school with its own coordinator (the "outsider" of the
tests). The main school also gets a term of peer support (peersupport.demo.programmes):
programmes, mentors, referrals, groups, mentorships, sessions and registers; and then
its training, supervision, protocols and group ground rules (peersupport.demo.training),
its matching (peersupport.demo.matching) and its concerns: worries, conflicts,
safeguarding records only the DSL sees, and urgent words (peersupport.demo.concerns);
and its wellbeing measures, goals, session feedback and "You said, we did"
(peersupport.demo.wellbeing); and its outside services: organisations, agreements,
referrals out in every status, the partner user's caseload, partner-led training and
signposting (peersupport.demo.partners). Same seed, same school."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from peersupport.accounts.models import Role, User
from peersupport.accounts.services import membership_grant, user_create
from peersupport.demo.concerns import demo_concerns
from peersupport.demo.matching import demo_matching
from peersupport.demo.partners import demo_partners
from peersupport.demo.programmes import Staff, demo_programmes
from peersupport.demo.roll import demo_roll_csv
from peersupport.demo.training import demo_training
from peersupport.demo.wellbeing import demo_wellbeing
from peersupport.schools.models import Phase, School
from peersupport.schools.services import holiday_add, school_create, term_add
from peersupport.students.importing import parse_mis_csv
from peersupport.students.services import students_import
from peersupport.training.services import curriculum_install, protocols_install

DEMO_PASSWORD = "demo-peer-support-2026"
DISCARD_EMAIL = "django.core.mail.backends.dummy.EmailBackend"
MAIN_SCHOOL = ("Northgate Academy", "140001", "4001")
SECOND_SCHOOL = ("Riverside Learning Centre", "140002", "4002")
DEMO_USERS = [
    ("coordinator", "Sam Patel", Role.COORDINATOR),
    ("dsl", "Jo Okafor", Role.DSL),
    ("facilitator", "Alex Murphy", Role.FACILITATOR),
    ("viewer", "Pat Green", Role.VIEWER),
    ("partner", "Dr Lee Chen", Role.PARTNER),
    ("mentor", "Maya Wright", Role.MENTOR),
    ("student", "Leo Khan", Role.STUDENT),
]


def demo_email(prefix: str, domain: str = "northgate.example") -> str:
    return f"{prefix}@{domain}"


def _calendar(school: School, today: datetime.date) -> None:
    start = today.year if today.month >= 9 else today.year - 1
    terms = [
        ("Autumn", datetime.date(start, 9, 3), datetime.date(start, 12, 18)),
        ("Spring", datetime.date(start + 1, 1, 5), datetime.date(start + 1, 3, 26)),
        ("Summer", datetime.date(start + 1, 4, 12), datetime.date(start + 1, 7, 21)),
    ]
    for name, starts_on, ends_on in terms:
        term_add(
            school=school, name=f"{name} {starts_on.year}", starts_on=starts_on, ends_on=ends_on
        )
    holiday_add(
        school=school,
        name="Autumn half term",
        starts_on=datetime.date(start, 10, 26),
        ends_on=datetime.date(start, 10, 30),
    )
    holiday_add(
        school=school,
        name="Spring half term",
        starts_on=datetime.date(start + 1, 2, 15),
        ends_on=datetime.date(start + 1, 2, 19),
    )
    holiday_add(
        school=school,
        name="Summer half term",
        starts_on=datetime.date(start + 1, 5, 31),
        ends_on=datetime.date(start + 1, 6, 4),
    )


class Command(BaseCommand):
    help = "Build the generated demo school (no real data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--students", type=int, default=1200)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any school exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo makes accounts with a published password: run it only with "
                "DEMO_MODE=1 (make demo does), never on a real school's database."
            )
        if options["students"] < 10 or options["students"] > 5000:
            raise CommandError("--students must be between 10 and 5000.")
        if School.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has a school; not seeding.")
                self.stdout.write(self.sign_ins())
                return
            raise CommandError("The database already has schools; seed an empty database.")
        # The services e-mail the DSL, once the seeding commits, about the demo's
        # safeguarding concerns and urgent words: nobody reads the demo addresses,
        # and the console backend would bury the sign-ins under them.
        with override_settings(EMAIL_BACKEND=DISCARD_EMAIL), transaction.atomic():
            summary = self._seed(options["seed"], options["students"])
        self.stdout.write(self.style.SUCCESS("Demo school ready."))
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(self.sign_ins())

    def _seed(self, seed: int, students: int) -> list[str]:
        """Build both schools; returns the summary lines to print."""
        today = datetime.date.today()
        main = school_create(name=MAIN_SCHOOL[0], urn=MAIN_SCHOOL[1], phase=Phase.SECONDARY)
        second = school_create(name=SECOND_SCHOOL[0], urn=SECOND_SCHOOL[1], phase=Phase.ALTERNATIVE)
        for school in (main, second):
            _calendar(school, today)
            curriculum_install(school=school)
            protocols_install(school=school)
        for prefix, name, role in DEMO_USERS:
            user = user_create(email=demo_email(prefix), full_name=name, password=DEMO_PASSWORD)
            membership_grant(actor=None, school=main, user=user, role=role)
        outsider = user_create(
            email=demo_email("coordinator", "riverside.example"),
            full_name="Riley Evans",
            password=DEMO_PASSWORD,
        )
        membership_grant(actor=None, school=second, user=outsider, role=Role.COORDINATOR)
        # The DSL also works at the second school, to show switching schools.
        membership_grant(
            actor=None,
            school=second,
            user=User.objects.get(email=demo_email("dsl")),
            role=Role.DSL,
        )
        rolls = [
            (main, demo_roll_csv(seed=seed, students=students, establishment=MAIN_SCHOOL[2])),
            (
                second,
                demo_roll_csv(
                    seed=seed + 1,
                    students=max(10, students // 10),
                    establishment=SECOND_SCHOOL[2],
                ),
            ),
        ]
        for school, data in rolls:
            parsed = parse_mis_csv(data, today=today)
            students_import(actor=None, school=school, parsed=parsed)
        users = {u.email: u for u in User.objects.filter(email__endswith="@northgate.example")}
        staff = Staff(
            coordinator=users[demo_email("coordinator")],
            dsl=users[demo_email("dsl")],
            facilitator=users[demo_email("facilitator")],
            mentor=users[demo_email("mentor")],
            student=users[demo_email("student")],
        )
        programmes = demo_programmes(
            school=main, seed=seed, students=students, today=today, staff=staff
        )
        # After the programmes: the programmes' required training is set once the
        # mentors they activated and paired hold it.
        training = demo_training(school=main, seed=seed, today=today, staff=staff)
        matching = demo_matching(school=main, seed=seed, staff=staff)
        concerns = demo_concerns(school=main, seed=seed, today=today, staff=staff)
        wellbeing = demo_wellbeing(school=main, seed=seed, today=today, staff=staff)
        partners = demo_partners(school=main, seed=seed, today=today, staff=staff)
        return (
            programmes.summary()
            + training.summary()
            + matching.summary()
            + concerns.summary()
            + wellbeing.summary()
            + partners.summary()
        )

    @staticmethod
    def sign_ins() -> str:
        lines = ["", "Demo sign-ins (password for all: " + DEMO_PASSWORD + "):"]
        for prefix, _name, role in DEMO_USERS:
            lines.append(f"  {Role(role).label:32} {demo_email(prefix)}")
        lines.append(
            f"  {'Coordinator, second school':32} {demo_email('coordinator', 'riverside.example')}"
        )
        if settings.REQUIRE_MFA:
            lines.append("REQUIRE_MFA is on: coordinators and DSLs will be asked to set up MFA.")
        return "\n".join(lines)
