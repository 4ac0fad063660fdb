"""Raising a concern: who may, with which kinds, anonymity only where the school
allows it, students of this school only, and what follows (a task for the
coordinators, the urgent-words check, an audit event). The pages: the form adapts
to the role, opens from a session, a group, a student's profile and one's own page,
and the raiser sees only a thank-you page, never the content."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern, ConcernKind, ConcernSettings, UrgentFlag
from peersupport.concerns.services import concern_raise
from peersupport.meetings.models import Session
from peersupport.meetings.services import session_create
from peersupport.programmes.models import Group, Mentorship
from peersupport.programmes.services import (
    group_add_member,
    group_create,
    mentorship_propose,
    mentorship_start,
    programme_create,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind

STAFF = ("coordinator", "dsl", "facilitator")


@dataclass
class Cast:
    """The mentor persona mentoring Tom (a session today), the student persona's own
    record, and two groups: one the facilitator runs (with Gus in it), one not."""

    mentor_record: Student
    student_record: Student
    mentee: Student
    mentorship: Mentorship
    session: Session
    group: Group
    group_member: Student
    other_group: Group


@pytest.fixture
def cast(personas: dict[str, Persona], school_a: School) -> Cast:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Peer mentoring", kind="one_to_one", capacity=20
    )
    mentor = make_active_mentor(personas["coordinator"], school_a, legal_forename="Maya")
    mentor.student.user = personas["mentor"].user
    mentor.student.save()
    student_record = make_student(school_a, legal_forename="Sam")
    student_record.user = personas["student"].user
    student_record.save()
    mentee = make_student(school_a, legal_forename="Tom", legal_surname="Mentee")
    mentorship = mentorship_propose(
        actor=coordinator, programme=programme, mentor=mentor, mentee=mentee
    )
    mentorship_start(actor=coordinator, mentorship=mentorship)
    session = session_create(
        actor=coordinator,
        mentorship=mentorship,
        date=datetime.date.today(),
        start_time=datetime.time(12, 30),
    )
    group = group_create(
        actor=coordinator,
        programme=programme,
        name="Lunch group",
        facilitators=[personas["facilitator"].user],
    )
    member = make_student(school_a, legal_forename="Gus", legal_surname="Member")
    group_add_member(actor=coordinator, group=group, student=member)
    other_group = group_create(actor=coordinator, programme=programme, name="Art group")
    return Cast(
        mentor_record=mentor.student,
        student_record=student_record,
        mentee=mentee,
        mentorship=mentorship,
        session=session,
        group=group,
        group_member=member,
        other_group=other_group,
    )


def allow_fully_anonymous(school: School) -> None:
    ConcernSettings.objects.update_or_create(
        school=school, defaults={"fully_anonymous_reporting": True}
    )


def raise_as(persona: Persona, **fields: object) -> Concern:
    arguments: dict[str, object] = {"kind": ConcernKind.WELLBEING, "text": "Seemed very low."}
    arguments.update(fields)
    return concern_raise(actor=persona.user, school=persona.school, **arguments)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("kind", ConcernKind.values)
def test_staff_raise_any_kind(
    personas: dict[str, Persona], cast: Cast, who: str, kind: str
) -> None:
    # A facilitator names the members of their own groups (the students they see).
    named = cast.group_member if who == "facilitator" else cast.mentee
    concern = raise_as(personas[who], kind=kind, students=[named])
    assert concern.kind == kind
    assert concern.raised_by == personas[who].user
    assert concern.raised_as == who
    assert list(concern.students.all()) == [named]


@pytest.mark.parametrize("who", ["mentor", "student"])
@pytest.mark.parametrize("kind", ConcernKind.values)
def test_mentors_and_students_raise_every_kind_in_plain_words(
    personas: dict[str, Persona], cast: Cast, who: str, kind: str
) -> None:
    concern = raise_as(personas[who], kind=kind)
    assert (concern.kind, concern.raised_by, concern.raised_as) == (
        kind,
        personas[who].user,
        who,
    )


@pytest.mark.parametrize("who", ["viewer", "partner", "outsider"])
def test_viewers_partners_and_other_schools_staff_cannot_raise(
    personas: dict[str, Persona], school_a: School, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        concern_raise(
            actor=personas[who].user, school=school_a, kind=ConcernKind.WELLBEING, text="Worried."
        )
    assert not Concern.objects.exists()


def test_empty_words_are_refused_with_a_clear_message(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["mentor"], text="   \n ")
    assert refused.value.message_dict == {"text": ["Write what happened or what was said."]}
    assert not Concern.objects.exists()
    assert not AuditEvent.objects.filter(action="concern.raised").exists()


def test_an_unknown_kind_is_refused(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["coordinator"], kind="gossip")
    assert "kind" in refused.value.message_dict
    assert not Concern.objects.exists()


def test_students_of_another_school_are_refused(
    personas: dict[str, Persona], cast: Cast, student_b: Student
) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["coordinator"], students=[cast.mentee, student_b])
    assert refused.value.message_dict["students"] == [
        "Every student named must be a student of this school."
    ]
    assert not Concern.objects.exists()


def test_a_group_of_another_school_is_refused(
    personas: dict[str, Persona], cast: Cast, school_b: School
) -> None:
    with pytest.raises(ValidationError):
        concern_raise(
            actor=personas["outsider"].user,
            school=school_b,
            kind=ConcernKind.CONFLICT,
            text="A fight at lunch.",
            group=cast.group,
        )
    assert not Concern.objects.exists()


def test_a_characteristic_only_for_discrimination(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["coordinator"], kind=ConcernKind.WELLBEING, characteristic="race")
    assert "characteristic" in refused.value.message_dict
    assert not Concern.objects.exists()
    concern = raise_as(
        personas["coordinator"], kind=ConcernKind.DISCRIMINATION, characteristic="race"
    )
    assert concern.get_characteristic_display() == "Race"


def test_an_unknown_characteristic_is_refused(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError):
        raise_as(personas["coordinator"], kind=ConcernKind.DISCRIMINATION, characteristic="hair")
    assert not Concern.objects.exists()


def test_a_student_about_themself_names_their_own_record(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["student"], about_themself=True, anonymous_to_students=True)
    assert concern.about_themself
    assert concern.anonymous_to_students
    assert not concern.fully_anonymous
    assert concern.raised_by == personas["student"].user
    assert list(concern.students.all()) == [cast.student_record]


def test_fully_anonymous_only_when_the_school_allows_it(
    personas: dict[str, Persona], cast: Cast
) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["student"], fully_anonymous=True)
    assert refused.value.message_dict["fully_anonymous"] == [
        "This school does not take fully anonymous reports."
    ]
    assert not Concern.objects.exists()

    allow_fully_anonymous(personas["student"].school)
    concern = raise_as(personas["student"], fully_anonymous=True, about_themself=True)
    assert concern.raised_by is None
    assert concern.fully_anonymous and concern.anonymous_to_students
    # Naming their own record would tell staff who wrote it.
    assert not concern.students.exists()
    event = AuditEvent.objects.get(action="concern.raised", object_public_id=concern.public_id)
    assert event.actor is None and event.actor_email == ""
    assert event.role == "student"


@pytest.mark.parametrize("who", ["mentor", "coordinator", "facilitator"])
def test_only_a_student_may_be_fully_anonymous(personas: dict[str, Persona], who: str) -> None:
    allow_fully_anonymous(personas[who].school)
    with pytest.raises(ValidationError):
        raise_as(personas[who], fully_anonymous=True)
    assert not Concern.objects.exists()


@pytest.mark.parametrize("flag", ["anonymous_to_students", "about_themself"])
def test_staff_reports_are_never_anonymous_or_about_themselves(
    personas: dict[str, Persona], flag: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        raise_as(personas["coordinator"], **{flag: True})
    assert flag in refused.value.message_dict
    assert not Concern.objects.exists()


def test_a_worry_becomes_a_task_for_the_coordinators_not_the_dsl(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["mentor"], kind=ConcernKind.BOUNDARY)
    task = Task.objects.get(subject_public_id=concern.public_id)
    assert task.assigned_to == personas["coordinator"].user
    assert task.kind == TaskKind.CONCERN_NEW
    assert task.link == reverse("concerns:detail", kwargs={"public_id": concern.public_id})
    assert "Seemed" not in task.title  # the title never holds what it says


def test_a_safeguarding_concern_gives_the_coordinators_no_task(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["mentor"], kind=ConcernKind.SAFEGUARDING)
    assert not Task.objects.filter(
        subject_public_id=concern.public_id, assigned_to=personas["coordinator"].user
    ).exists()


def test_the_coordinator_raising_it_is_not_given_a_task_for_it(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["coordinator"])
    assert not Task.objects.filter(subject_public_id=concern.public_id).exists()


@pytest.mark.parametrize("who", ["mentor", "student"])
def test_a_childs_urgent_words_flag_the_concern(
    personas: dict[str, Persona], cast: Cast, who: str
) -> None:
    concern = raise_as(personas[who], text="She said she wants to end it all tonight.")
    concern.refresh_from_db()
    assert concern.urgent
    flag = UrgentFlag.objects.get(source_type="concern", source_public_id=concern.public_id)
    writer = cast.mentor_record if who == "mentor" else cast.student_record
    assert flag.student == writer


def test_a_childs_ordinary_words_are_not_flagged(personas: dict[str, Persona], cast: Cast) -> None:
    concern = raise_as(personas["mentor"], text="Tom was quiet and did not want to talk.")
    concern.refresh_from_db()
    assert not concern.urgent
    assert not UrgentFlag.objects.exists()


def test_staff_words_are_not_checked_for_urgent_phrases(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["facilitator"], text="Gus said he wants to end it all.")
    concern.refresh_from_db()
    assert not concern.urgent
    assert not UrgentFlag.objects.exists()


def test_a_fully_anonymous_flag_names_no_student(personas: dict[str, Persona], cast: Cast) -> None:
    allow_fully_anonymous(personas["student"].school)
    concern = raise_as(personas["student"], fully_anonymous=True, text="I want to end it all.")
    flag = UrgentFlag.objects.get(source_public_id=concern.public_id)
    assert flag.student is None


def test_every_raise_is_audited_with_its_kind_only(
    personas: dict[str, Persona], cast: Cast
) -> None:
    concern = raise_as(personas["mentor"], kind=ConcernKind.CONFLICT, text="Tom and Gus fought.")
    event = AuditEvent.objects.get(action="concern.raised")
    assert event.object_public_id == concern.public_id
    assert event.actor == personas["mentor"].user
    assert event.role == "mentor"
    assert event.detail == "conflict"


def test_the_text_is_not_readable_in_the_database(personas: dict[str, Persona]) -> None:
    from django.db import connection

    concern = raise_as(personas["mentor"], text="A very particular sentence.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM concerns_concern WHERE id = %s", [concern.pk])
        (stored,) = cursor.fetchone()
    assert "particular" not in stored


# ---------------------------------------------------------------- the pages


@pytest.fixture
def as_(client: Client, personas: dict[str, Persona]) -> Callable[[str], Client]:
    def sign_in(who: str) -> Client:
        client.force_login(
            personas[who].user, backend="allauth.account.auth_backends.AuthenticationBackend"
        )
        return client

    return sign_in


RAISE = reverse("concerns:raise")


def test_a_mentor_raises_a_worry_from_a_session_in_plain_words(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    client = as_("mentor")
    page = client.get(f"{RAISE}?session={cast.session.public_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tell an adult about a worry" in html
    assert "Someone may be getting hurt, or may not be safe" in html
    assert "Safeguarding" not in html  # plain words, not our jargon
    assert page.context["form"]["about"].value() == cast.mentee.public_id.hex
    response = client.post(
        f"{RAISE}?session={cast.session.public_id}",
        {
            "kind": "safeguarding",
            "text": "Tom said his uncle hits him.",
            "about": cast.mentee.public_id.hex,
        },
    )
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("concerns:thanks", kwargs={"public_id": concern.public_id})
    assert concern.kind == ConcernKind.SAFEGUARDING
    assert concern.source == Concern.Source.SESSION_LOG
    assert concern.mentorship == cast.mentorship
    assert list(concern.students.all()) == [cast.mentee]
    assert concern.raised_as == "mentor"


def test_i_am_not_sure_is_taken_as_a_wellbeing_worry(
    as_: Callable[[str], Client], cast: Cast
) -> None:
    as_("student").post(
        f"{RAISE}?from=home",
        {"kind": "not_sure", "text": "Someone keeps crying.", "about": "someone_else"},
    )
    concern = Concern.objects.get()
    assert (concern.kind, concern.source, concern.about_themself) == ("wellbeing", "home", False)
    assert not concern.students.exists()


def test_a_student_raises_a_worry_about_themself(as_: Callable[[str], Client], cast: Cast) -> None:
    as_("student").post(
        RAISE,
        {
            "kind": "wellbeing",
            "text": "I feel sad every day.",
            "about": "me",
            "anonymous_to_students": "on",
        },
    )
    concern = Concern.objects.get()
    assert concern.about_themself and concern.anonymous_to_students
    assert list(concern.students.all()) == [cast.student_record]


def test_the_fully_anonymous_choice_shows_only_when_the_school_allows_it(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    client = as_("student")
    label = "Staff will not know it was you, so they cannot come back to you about it."
    assert label not in client.get(RAISE).content.decode()
    # Sent anyway, while not allowed: the field is not there, so it is ignored.
    client.post(RAISE, {"kind": "wellbeing", "text": "Worried.", "fully_anonymous": "on"})
    assert Concern.objects.get().raised_by == personas["student"].user
    Concern.objects.all().delete()

    allow_fully_anonymous(personas["student"].school)
    assert label in client.get(RAISE).content.decode()
    response = client.post(
        RAISE, {"kind": "wellbeing", "text": "A secret worry.", "fully_anonymous": "on"}
    )
    concern = Concern.objects.get()
    assert concern.raised_by is None and concern.fully_anonymous
    # The thank-you page at once: there is no page to come back to.
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you. This has gone to Coordinator." in html
    assert "cannot come back to you about it" in html
    assert "A secret worry" not in html


def test_mentors_are_not_offered_full_anonymity(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    allow_fully_anonymous(personas["mentor"].school)
    assert "fully_anonymous" not in as_("mentor").get(RAISE).context["form"].fields


def test_empty_words_on_the_page_change_nothing(as_: Callable[[str], Client], cast: Cast) -> None:
    response = as_("mentor").post(RAISE, {"kind": "wellbeing", "text": "  "})
    assert response.status_code == 400
    assert "Please write what happened." in response.content.decode()
    assert not Concern.objects.exists()


def test_staff_see_the_full_form_and_go_to_the_record(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    client = as_("coordinator")
    page = client.get(f"{RAISE}?student={cast.mentee.public_id}")
    assert page.status_code == 200
    form = page.context["form"]
    assert set(form.fields) == {"kind", "text", "students", "characteristic"}
    assert form["students"].value() == [cast.mentee.public_id]
    response = client.post(
        f"{RAISE}?student={cast.mentee.public_id}",
        {
            "kind": "discrimination",
            "text": "Called names about his religion.",
            "students": [str(cast.mentee.public_id), str(cast.group_member.public_id)],
            "characteristic": "religion",
        },
    )
    concern = Concern.objects.get()
    assert response.url == reverse("concerns:detail", kwargs={"public_id": concern.public_id})
    assert concern.source == Concern.Source.STUDENT
    assert set(concern.students.all()) == {cast.mentee, cast.group_member}
    assert concern.characteristic == "religion"


def test_staff_cannot_name_a_student_of_another_school_on_the_page(
    as_: Callable[[str], Client], cast: Cast, student_b: Student
) -> None:
    response = as_("coordinator").post(
        RAISE, {"kind": "wellbeing", "text": "Worried.", "students": [str(student_b.public_id)]}
    )
    assert response.status_code == 400
    assert "students" in response.context["form"].errors
    assert not Concern.objects.exists()


def test_a_facilitator_names_only_members_of_their_own_groups(
    as_: Callable[[str], Client], cast: Cast
) -> None:
    client = as_("facilitator")
    choices = {value for value, _ in client.get(RAISE).context["form"].fields["students"].choices}
    assert {str(v) for v in choices} == {str(cast.group_member.public_id)}
    response = client.post(
        RAISE, {"kind": "wellbeing", "text": "Worried.", "students": [str(cast.mentee.public_id)]}
    )
    assert response.status_code == 400
    assert not Concern.objects.exists()


def test_a_facilitator_raises_a_conflict_from_their_group(
    as_: Callable[[str], Client], cast: Cast
) -> None:
    client = as_("facilitator")
    assert client.get(f"{RAISE}?group={cast.group.public_id}").status_code == 200
    client.post(
        f"{RAISE}?group={cast.group.public_id}",
        {
            "kind": "conflict",
            "text": "Two members argued.",
            "students": [str(cast.group_member.public_id)],
        },
    )
    concern = Concern.objects.get()
    assert (concern.kind, concern.source, concern.group) == ("conflict", "group", cast.group)


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("facilitator", "group={other_group}"),  # not their group
        ("mentor", "group={group}"),  # mentors do not see group pages
        ("facilitator", "student={mentee}"),  # not in their groups
        ("mentor", "student={group_member}"),  # not their mentee
        ("facilitator", "session={session}"),  # a mentoring session, not theirs
        ("student", "session={session}"),
        ("outsider", "group={group}"),
        ("coordinator", "session=not-a-uuid"),
    ],
)
def test_a_context_the_user_may_not_see_answers_404(
    as_: Callable[[str], Client], cast: Cast, who: str, query: str
) -> None:
    url = f"{RAISE}?" + query.format(
        other_group=cast.other_group.public_id,
        group=cast.group.public_id,
        mentee=cast.mentee.public_id,
        group_member=cast.group_member.public_id,
        session=cast.session.public_id,
    )
    client = as_(who)
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "wellbeing", "text": "Worried."}).status_code == 404
    assert not Concern.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "partner"])
def test_viewers_and_partners_get_no_raise_page(as_: Callable[[str], Client], who: str) -> None:
    client = as_(who)
    assert client.get(RAISE).status_code == 403
    assert client.post(RAISE, {"kind": "wellbeing", "text": "Worried."}).status_code == 403
    assert not Concern.objects.exists()


def test_the_thank_you_page_names_who_it_went_to_never_the_content(
    as_: Callable[[str], Client], cast: Cast
) -> None:
    client = as_("mentor")
    response = client.post(
        RAISE, {"kind": "wellbeing", "text": "Tom cried about his dog.", "about": ""}, follow=True
    )
    html = response.content.decode()
    assert "Thank you. This has gone to Coordinator." in html
    assert "dog" not in html
    assert "Wellbeing" not in html
    assert "Tom" not in html
    assert "concern" not in response.context or response.context.get("concern") is None


def test_safeguarding_goes_to_the_dsl_and_shows_who_received_it(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    from peersupport.concerns.services import safeguarding_acknowledge

    client = as_("mentor")
    client.post(RAISE, {"kind": "safeguarding", "text": "Tom has bruises.", "about": ""})
    concern = Concern.objects.get()
    thanks = reverse("concerns:thanks", kwargs={"public_id": concern.public_id})
    html = client.get(thanks).content.decode()
    assert "Thank you. This has gone to the Designated Safeguarding Lead." in html
    assert "Received by" not in html
    safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    html = client.get(thanks).content.decode()
    assert "Received by Dsl</strong>" in html
    assert "bruises" not in html


@pytest.mark.parametrize("who", ["student", "coordinator", "dsl", "facilitator", "outsider"])
def test_only_the_raiser_sees_the_thank_you_page(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast, who: str
) -> None:
    concern = raise_as(personas["mentor"])
    url = reverse("concerns:thanks", kwargs={"public_id": concern.public_id})
    assert as_(who).get(url).status_code == 404
    assert as_("mentor").get(url).status_code == 200


def test_a_fully_anonymous_concern_has_no_thank_you_page_for_anyone(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast
) -> None:
    allow_fully_anonymous(personas["student"].school)
    concern = raise_as(personas["student"], fully_anonymous=True)
    url = reverse("concerns:thanks", kwargs={"public_id": concern.public_id})
    assert as_("student").get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "page", "link"),
    [
        ("mentor", "home", "?from=home"),
        ("student", "home", "?from=home"),
        ("mentor", "session", "?session={session}"),
        ("coordinator", "session", "?session={session}"),
        ("coordinator", "student", "?student={mentee}"),
        ("facilitator", "group", "?group={group}"),
        ("coordinator", "group", "?group={group}"),
    ],
)
def test_the_pages_it_is_raised_from_link_to_it(
    as_: Callable[[str], Client], cast: Cast, who: str, page: str, link: str
) -> None:
    url = {
        "home": reverse("meetings:mine"),
        "session": reverse("meetings:register", kwargs={"public_id": cast.session.public_id}),
        "student": reverse("students:detail", kwargs={"public_id": cast.mentee.public_id}),
        "group": reverse("meetings:group", kwargs={"public_id": cast.group.public_id}),
    }[page]
    html = as_(who).get(url).content.decode()
    target = RAISE + link.format(
        session=cast.session.public_id, mentee=cast.mentee.public_id, group=cast.group.public_id
    )
    assert f'href="{target}"' in html


# ---------------------------------------------------------------- plain words

# As the mentors' training modules: easy for an 11-year-old (Flesch reading ease at
# least 70, Flesch-Kincaid grade at most 6.5).
MIN_READING_EASE = 70
MAX_GRADE = 6.5


def words_on_the_page(html: str) -> str:
    """The words in the page's main part, one sentence per label, help or paragraph."""
    from html.parser import HTMLParser

    class Main(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if (tag == "main" or self.depth) and tag not in ("input", "br", "img", "hr"):
                self.depth += 1
            if self.depth and tag in ("p", "label", "legend", "h1", "h2", "button", "a", "div"):
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.parts.append(data)

    parser = Main()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(
        line if line.endswith((".", "?", "!")) else f"{line}." for line in lines if line
    )


@pytest.mark.parametrize(
    ("who", "page"), [("mentor", "raise"), ("student", "raise"), ("mentor", "thanks")]
)
def test_the_childrens_pages_are_easy_to_read(
    as_: Callable[[str], Client], personas: dict[str, Persona], cast: Cast, who: str, page: str
) -> None:
    import textstat

    client = as_(who)
    if page == "raise":
        html = client.get(RAISE).content.decode()
    else:
        concern = raise_as(personas[who], kind=ConcernKind.SAFEGUARDING)
        html = client.get(
            reverse("concerns:thanks", kwargs={"public_id": concern.public_id})
        ).content.decode()
    text = words_on_the_page(html)
    assert "Tell an adult" in text or "Thank you" in text
    ease, grade = textstat.flesch_reading_ease(text), textstat.flesch_kincaid_grade(text)
    assert ease >= MIN_READING_EASE, f"reading ease {ease}:\n{text}"
    assert grade <= MAX_GRADE, f"grade {grade}:\n{text}"
