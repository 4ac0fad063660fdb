"""The demo school's outside services: a local CAMHS, a mental health support team,
an educational psychology service, two charities and a university, each with a data
sharing agreement (one due for review within the month, one lapsed); referrals out
in every status, with consent; the demo partner user at CAMHS; training the mental
health support team delivered; and the school's own signposting entries. Built
through the partners services, with the same seed giving the same records. Every
name is made up."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from peersupport.accounts.models import User
from peersupport.demo.programmes import Staff
from peersupport.partners.models import (
    Organisation,
    OrganisationKind,
    ReferralConsent,
    ReferralOut,
    ReferralStatus,
    Service,
    Urgency,
)
from peersupport.partners.selectors import ATTENDANCE_KEY, WRITTEN_SUMMARY_KEY
from peersupport.partners.services import (
    agreement_record,
    contact_add,
    organisation_create,
    referral_consent_record,
    referral_create,
    referral_note_add,
    referral_send,
    referral_status_set,
    service_add,
    signpost_entry_add,
    training_delivered_record,
)
from peersupport.programmes.models import Enrolment
from peersupport.schools.models import School
from peersupport.students.models import ConsentMethod, Student
from peersupport.training.models import TrainingEvent, TrainingModule
from peersupport.wellbeing.sharing import WELLBEING_SCORES_KEY

DEMO_PARTNER_EMAIL = "partner@northgate.example"


@dataclass(frozen=True)
class OrganisationPlan:
    name: str
    kind: str
    about: str
    phone: str
    service: str
    eligibility: str
    route: str
    contact: tuple[str, str]
    # Agreement: signed this many days ago, review this many days from today
    # (negative: passed).
    signed_days_ago: int
    review_in_days: int
    research: bool = False


ORGANISATIONS = [
    OrganisationPlan(
        "Northfield CAMHS",
        OrganisationKind.CAMHS,
        "The NHS child and adolescent mental health service for the borough.",
        "01632 960 101",
        "Getting help: assessment and short-term therapy",
        "Children and young people aged 5 to 18 registered with a Northfield GP.",
        "Referral form by secure e-mail. Urgent referrals by phone first, then the form.",
        ("Dr Lee Chen", "Clinical psychologist"),
        300,
        200,
    ),
    OrganisationPlan(
        "Northgate Mental Health Support Team",
        OrganisationKind.MHST,
        "Education mental health practitioners working in our school two days a week.",
        "01632 960 202",
        "Low-intensity CBT for mild to moderate anxiety and low mood",
        "Students of the school with mild to moderate difficulties.",
        "Talk to the SENCo, then the referral form; weekly triage on Tuesdays.",
        ("Sam Okafor", "Education mental health practitioner"),
        340,
        20,  # due for review within the month: on the coordinator's tasks
    ),
    OrganisationPlan(
        "Northfield Educational Psychology Service",
        OrganisationKind.EP,
        "The local authority's educational psychologists.",
        "01632 960 303",
        "Consultation and assessment",
        "Students with special educational needs, through the SENCo's planning meeting.",
        "Planning meeting each term; consultation request form.",
        ("Alex Moreau", "Senior educational psychologist"),
        500,
        -12,  # lapsed: nothing personal may be shared until it is renewed
    ),
    OrganisationPlan(
        "Open Door Young People's Counselling",
        OrganisationKind.CHARITY,
        "A local charity offering free counselling for 11 to 25 year olds.",
        "01632 960 404",
        "Weekly counselling, 8 to 12 sessions",
        "Young people aged 11 to 25 living or at school in Northfield.",
        "Self-referral or school referral form; waiting list of about 6 weeks.",
        ("Priya Shah", "Counselling service manager"),
        200,
        160,
    ),
    OrganisationPlan(
        "Riverside Youth Trust",
        OrganisationKind.CHARITY,
        "Youth clubs, mentoring and a young carers' group.",
        "01632 960 505",
        "Young carers' group",
        "Young carers aged 10 to 18.",
        "Referral form or phone call.",
        ("Jordan Blake", "Youth worker"),
        100,
        265,
    ),
    OrganisationPlan(
        "University of Northfield School Mental Health Research Group",
        OrganisationKind.UNIVERSITY,
        "Researchers evaluating school-based peer support.",
        "01632 960 606",
        "Evaluation partnership",
        "Schools in the evaluation.",
        "Pseudonymous termly exports under the research agreement.",
        ("Prof. Morgan Hale", "Principal investigator"),
        60,
        300,
        research=True,
    ),
]

REASONS = [
    "Low mood for several weeks and not sleeping well; peer support has helped but more is needed.",
    "Worries about school that stop them coming in some mornings.",
    "Panic attacks in lessons; would like to learn ways to manage them.",
    "Caring for a parent at home and finding it hard to keep up.",
    "Changes in eating and withdrawing from friends, noticed by their mentor's supervisor.",
    "Anger at home and at school after a family change.",
    "Feeling very anxious about going into Year 10.",
    "Grief after the death of a grandparent.",
]

# The path to each final status, and the organisation it goes to.
PLAN: list[tuple[str, int, list[str]]] = [
    ("draft", 2, []),  # to the service whose agreement lapsed: cannot be sent
    ("sent", 0, []),  # recent: no reminder yet
    ("sent", 3, []),  # old: the daily job chases it
    ("acknowledged", 0, [ReferralStatus.ACKNOWLEDGED]),
    ("accepted", 0, [ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED]),
    ("waitlisted", 3, [ReferralStatus.WAITLISTED]),
    ("declined", 1, [ReferralStatus.DECLINED]),
    ("seen", 3, [ReferralStatus.ACCEPTED, ReferralStatus.SEEN]),
    ("seen", 0, [ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED, ReferralStatus.SEEN]),
    (
        "closed",
        0,
        [
            ReferralStatus.ACKNOWLEDGED,
            ReferralStatus.ACCEPTED,
            ReferralStatus.SEEN,
            ReferralStatus.CLOSED,
        ],
    ),
    ("closed", 3, [ReferralStatus.WAITLISTED, ReferralStatus.SEEN, ReferralStatus.CLOSED]),
]

SIGNPOSTS = [
    ("school", "Ms Patel, school counsellor", "Someone to talk to about anything", "Room B12"),
    ("school", "Student support office", "Help if something is wrong, any time", "By the library"),
    ("school", "Mr Green, Designated Safeguarding Lead", "If you or a friend is not safe", "S1"),
    ("local", "Northfield Youth Wellbeing Drop-in", "Talk to someone after school", "Town hall"),
]


@dataclass
class PartnerCounts:
    organisations: int = 0
    referrals: dict[str, int] = field(default_factory=dict)
    partner_user: str = ""

    def summary(self) -> list[str]:
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(self.referrals.items()))
        return [
            f"  Outside services: {self.organisations} organisations with agreements "
            "(one due for review, one lapsed); referrals out: "
            f"{sum(self.referrals.values())} ({statuses}); partner sign-in "
            f"{self.partner_user or 'none'}",
        ]


class DemoPartners:
    def __init__(self, *, school: School, seed: int, today: datetime.date, staff: Staff) -> None:
        self.school = school
        self.rng = random.Random(f"demo-partners-{seed}")
        self.today = today
        self.staff = staff
        self.counts = PartnerCounts()

    def build(self) -> PartnerCounts:
        organisations = self._organisations()
        self._training(organisations)
        self._referrals(organisations)
        self._signposting()
        return self.counts

    def _organisations(self) -> list[tuple[Organisation, Service]]:
        coordinator = self.staff.coordinator
        partner_user = User.objects.filter(email=DEMO_PARTNER_EMAIL).first()
        made = []
        for plan in ORGANISATIONS:
            organisation = organisation_create(
                actor=coordinator,
                school=self.school,
                name=plan.name,
                kind=plan.kind,
                about=plan.about,
                phone=plan.phone,
            )
            service = service_add(
                actor=coordinator,
                organisation=organisation,
                name=plan.service,
                eligibility=plan.eligibility,
                referral_route=plan.route,
            )
            # The demo partner user is the CAMHS clinician.
            user = partner_user if plan.kind == OrganisationKind.CAMHS else None
            contact_add(
                actor=coordinator,
                organisation=organisation,
                name=plan.contact[0],
                job_title=plan.contact[1],
                email=f"{plan.contact[0].split()[-1].lower()}@{plan.kind}.example",
                user=user,
            )
            if user is not None:
                self.counts.partner_user = user.email
            agreement_record(
                actor=coordinator,
                organisation=organisation,
                signed_on=self.today - datetime.timedelta(days=plan.signed_days_ago),
                review_on=self.today + datetime.timedelta(days=plan.review_in_days),
                scope=(
                    "Pseudonymous participation and outcome data for the evaluation."
                    if plan.research
                    else "Referral information the school chooses to share, with consent."
                ),
                covers_research=plan.research,
            )
            made.append((organisation, service))
        self.counts.organisations = len(made)
        return made

    def _training(self, organisations: list[tuple[Organisation, Service]]) -> None:
        """The mental health support team delivered the mental health awareness
        training (the demo training events name them as trainer)."""
        mhst = next(o for o, _ in organisations if o.kind == OrganisationKind.MHST)
        module = TrainingModule.objects.filter(
            school=self.school, key="mental-health-awareness"
        ).first()
        if module is None:
            return
        training_delivered_record(actor=self.staff.coordinator, organisation=mhst, module=module)
        for event in TrainingEvent.objects.filter(school=self.school, module=module):
            training_delivered_record(actor=self.staff.coordinator, organisation=mhst, event=event)

    def _students(self, how_many: int) -> list[Student]:
        """Students taking part in peer support first (the usual way a referral out
        comes about), then others on the roll."""
        on_roll = Student.objects.filter(school=self.school, on_roll=True, user__isnull=True)
        enrolled_ids = Enrolment.objects.filter(school=self.school).values("student")
        enrolled = list(on_roll.filter(pk__in=enrolled_ids).order_by("pk"))
        chosen = self.rng.sample(enrolled, min(how_many, len(enrolled)))
        if len(chosen) < how_many:
            others = list(on_roll.exclude(pk__in=enrolled_ids).order_by("pk"))
            chosen += self.rng.sample(others, min(how_many - len(chosen), len(others)))
        return chosen

    def _referrals(self, organisations: list[tuple[Organisation, Service]]) -> None:
        coordinator = self.staff.coordinator
        partner_user = User.objects.filter(email=DEMO_PARTNER_EMAIL).first()
        students = self._students(len(PLAN))
        for n, ((final, where, path), student) in enumerate(zip(PLAN, students, strict=False)):
            organisation, service = organisations[where]
            sent_on = self.today - datetime.timedelta(days=self.rng.randint(30, 70))
            if final == "sent" and n == 1:
                sent_on = self.today - datetime.timedelta(days=2)
            referral = referral_create(
                actor=coordinator,
                student=student,
                organisation=organisation,
                service=service,
                reason=REASONS[n % len(REASONS)],
                urgency=Urgency.URGENT if n % 5 == 2 else Urgency.ROUTINE,
                shared_items=[ATTENDANCE_KEY, WELLBEING_SCORES_KEY, WRITTEN_SUMMARY_KEY],
                written_summary=(
                    "Attends the peer mentoring programme; engages well with their "
                    "mentor. Parents are supportive of the referral."
                ),
            )
            self.counts.referrals[final] = self.counts.referrals.get(final, 0) + 1
            if final == "draft":
                continue
            consent_on = sent_on - datetime.timedelta(days=2)
            referral_consent_record(
                actor=coordinator,
                referral=referral,
                who=ReferralConsent.Who.STUDENT,
                given_by=student.display_name,
                relationship="the student",
                method=ConsentMethod.IN_PERSON,
                given_on=consent_on,
                today=sent_on,
            )
            referral_consent_record(
                actor=coordinator,
                referral=referral,
                who=ReferralConsent.Who.PARENT,
                given_by=f"Parent of {student.legal_forename}",
                relationship="parent",
                method=ConsentMethod.PHONE,
                given_on=consent_on,
                today=sent_on,
            )
            referral_send(actor=coordinator, referral=referral, today=sent_on)
            on = sent_on
            for status in path:
                on = min(on + datetime.timedelta(days=self.rng.randint(3, 12)), self.today)
                # The partner user answers their own organisation's referrals.
                actor = (
                    partner_user
                    if partner_user is not None and organisation.kind == OrganisationKind.CAMHS
                    else coordinator
                )
                referral_status_set(
                    actor=actor,
                    referral=ReferralOut.objects.get(pk=referral.pk),
                    status=status,
                    on=on,
                    reason="Does not meet our threshold; the MHST may help."
                    if status == ReferralStatus.DECLINED
                    else "",
                    outcome="Completed 8 sessions; coping strategies in place."
                    if status == ReferralStatus.CLOSED
                    else "",
                    today=self.today,
                )
            if (
                partner_user is not None
                and organisation.kind == OrganisationKind.CAMHS
                and final not in ("closed", "declined")
            ):
                referral_note_add(
                    actor=partner_user,
                    referral=ReferralOut.objects.get(pk=referral.pk),
                    text="Initial appointment offered; letter sent to the family.",
                    today=self.today,
                )

    def _signposting(self) -> None:
        for position, (kind, name, what_for, where) in enumerate(SIGNPOSTS):
            signpost_entry_add(
                actor=self.staff.coordinator,
                school=self.school,
                position=position,
                kind=kind,
                name=name,
                what_for=what_for,
                where=where,
                hours="School days, 8.30am to 4pm" if kind == "school" else "Weekdays 4pm to 7pm",
            )


def demo_partners(
    *, school: School, seed: int, today: datetime.date, staff: Staff
) -> PartnerCounts:
    return DemoPartners(school=school, seed=seed, today=today, staff=staff).build()


__all__ = ["PartnerCounts", "demo_partners"]
