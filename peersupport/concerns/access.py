"""Who may see which concerns. DSLs: everything. Coordinators: every concern except
safeguarding ones. Facilitators: the concerns they raised, and conflicts in their
own groups. Partners, viewers, mentors and students: no concern content at all (a
mentor cannot read back even their own worry). Anything else answers 404."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.concerns.models import (
    Concern,
    ConcernKind,
    ConflictCase,
    SafeguardingTransfer,
    UrgentFlag,
    UrgentPhrase,
)
from peersupport.concerns.selectors import safeguarding_records_of
from peersupport.programmes.models import Group, GroupMember, Mentorship
from peersupport.schools.models import School
from peersupport.students.access import students_visible_to
from peersupport.students.models import Student

# ---------------------------------------------------------------- concerns


def concerns_visible_to(user: User, school: School) -> QuerySet[Concern]:
    """The concerns whose record ``user`` may read in ``school``. A mentor or student
    gets none, not even the worries they raised themselves."""
    role = role_in(user, school)
    concerns = Concern.objects.filter(school=school)
    if role == Role.DSL:
        return concerns
    if role == Role.COORDINATOR:
        return concerns.exclude(kind=ConcernKind.SAFEGUARDING)
    if role == Role.FACILITATOR:
        own_groups = Group.objects.filter(school=school, facilitators=user).values("pk")
        return concerns.exclude(kind=ConcernKind.SAFEGUARDING).filter(
            Q(raised_by=user)
            | Q(kind=ConcernKind.CONFLICT, group__in=own_groups)
            | Q(kind=ConcernKind.CONFLICT, conflict__group__in=own_groups)
        )
    return Concern.objects.none()


def concern_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Concern:
    """One concern, its content audited as read. A safeguarding concern (which only a
    DSL gets this far with) is read on its own record page, which audits that read,
    so it is not audited here."""
    try:
        concern = (
            concerns_visible_to(user, school)
            .select_related("raised_by", "closed_by", "group", "mentorship__mentee")
            .get(public_id=public_id)
        )
    except Concern.DoesNotExist:
        raise Http404("No such concern.") from None
    if concern.kind != ConcernKind.SAFEGUARDING:
        audit_record(
            action="concern.viewed",
            actor=user,
            school=school,
            object_type="concern",
            object_public_id=concern.public_id,
            request=request,
            detail=concern.kind,
        )
    return concern


def concern_for_closing(user: User, school: School, public_id: uuid.UUID) -> Concern:
    """A concern whose response ``user`` may record and close: coordinators and DSLs,
    never a safeguarding concern (its record is closed by an outcome entry)."""
    if role_in(user, school) not in (Role.COORDINATOR, Role.DSL):
        raise Http404("No such concern.")
    try:
        return (
            concerns_visible_to(user, school)
            .exclude(kind=ConcernKind.SAFEGUARDING)
            .get(public_id=public_id)
        )
    except Concern.DoesNotExist:
        raise Http404("No such concern.") from None


def concern_raised_by_for(user: User, school: School, public_id: uuid.UUID) -> Concern:
    """A concern ``user`` raised, for its thank-you page: it shows who it went to and
    who received it, never what it says. Fully anonymous ones belong to nobody."""
    try:
        return Concern.objects.get(school=school, raised_by=user, public_id=public_id)
    except Concern.DoesNotExist:
        raise Http404("No such concern.") from None


def students_a_concern_may_name(user: User, school: School) -> QuerySet[Student]:
    """Whom ``user`` may pick as the students a concern is about: coordinators and
    DSLs any student they see; a facilitator the members of their own groups; a
    peer mentor their own mentees (by first name); a student nobody (they say
    "me" or "someone else", and may name them in their own words)."""
    role = role_in(user, school)
    if role in (Role.COORDINATOR, Role.DSL):
        return students_visible_to(user, school)
    if role == Role.FACILITATOR:
        return Student.objects.filter(
            school=school,
            pk__in=GroupMember.objects.filter(
                group__facilitators=user, left_on__isnull=True
            ).values("student_id"),
        )
    if role == Role.MENTOR:
        return Student.objects.filter(
            school=school,
            pk__in=Mentorship.objects.filter(
                mentor__student__user=user,
                status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
            ).values("mentee_id"),
        )
    return Student.objects.none()


# ---------------------------------------------------------------- safeguarding
#
# Safeguarding records are the DSLs' alone: everyone else, coordinators included,
# gets 404 as if the record did not exist. Every read is audited here; a write is
# audited by its service.


def safeguarding_concerns_visible_to(user: User, school: School) -> QuerySet[Concern]:
    """The school's safeguarding concerns, for its DSLs; nothing for anyone else."""
    if role_in(user, school) != Role.DSL:
        return Concern.objects.none()
    return Concern.objects.filter(school=school, kind=ConcernKind.SAFEGUARDING)


def safeguarding_for_change(user: User, school: School, public_id: uuid.UUID) -> Concern:
    """A safeguarding record a DSL acts on (acknowledges, adds to); the service that
    acts audits it. 404 for anyone else."""
    try:
        return (
            safeguarding_concerns_visible_to(user, school)
            .select_related("raised_by", "acknowledged_by", "escalated_to", "closed_by")
            .get(public_id=public_id)
        )
    except Concern.DoesNotExist:
        raise Http404("No such record.") from None


def safeguarding_for(
    user: User, school: School, public_id: uuid.UUID, request: HttpRequest | None = None
) -> Concern:
    """A safeguarding record to read, for a DSL, audited as read (who, role, when,
    from where); 404 for anyone else."""
    concern = safeguarding_for_change(user, school, public_id)
    _safeguarding_read(user, school, concern.public_id, request)
    return concern


def _safeguarding_read(
    user: User,
    school: School,
    public_id: uuid.UUID,
    request: HttpRequest | None,
    detail: str = "",
) -> None:
    """The audit event a DSL sees in a record's "who has looked" list."""
    audit_record(
        action="safeguarding.viewed",
        actor=user,
        role=Role.DSL,
        school=school,
        object_type="concern",
        object_public_id=public_id,
        request=request,
        detail=detail,
    )


def safeguarding_list_for(
    user: User, school: School, request: HttpRequest | None = None
) -> QuerySet[Concern]:
    """The DSL's list of safeguarding concerns, its reading audited."""
    concerns = safeguarding_concerns_visible_to(user, school)
    audit_record(
        action="safeguarding.list_viewed",
        actor=user,
        role=Role.DSL,
        school=school,
        request=request,
    )
    return concerns


def safeguarding_student_for_change(user: User, school: School, public_id: uuid.UUID) -> Student:
    """A student whose safeguarding file a DSL acts on (records a transfer); 404 for
    anyone else. Students who have left are included: that is when files go."""
    if role_in(user, school) != Role.DSL:
        raise Http404("No such student.")
    try:
        return Student.objects.get(school=school, public_id=public_id)
    except Student.DoesNotExist:
        raise Http404("No such student.") from None


def safeguarding_student_for(
    user: User, school: School, public_id: uuid.UUID, request: HttpRequest | None = None
) -> Student:
    """A student's safeguarding file page, for a DSL, audited as read."""
    student = safeguarding_student_for_change(user, school, public_id)
    audit_record(
        action="safeguarding.file_viewed",
        actor=user,
        role=Role.DSL,
        school=school,
        object_type="student",
        object_public_id=student.public_id,
        request=request,
    )
    return student


def safeguarding_file_shown_to(user: User, school: School, student: Student) -> bool:
    """Whether ``user`` is shown that ``student`` has a safeguarding file (a link
    from the student's profile): a DSL, when a safeguarding record names the
    student. Anyone else never, and their answer does not look at the records."""
    if role_in(user, school) != Role.DSL:
        return False
    if student.school_id != school.pk:
        return False
    return safeguarding_records_of(student).exists()


def safeguarding_export_for(
    user: User, school: School, public_id: uuid.UUID, request: HttpRequest | None = None
) -> tuple[Student, list[Concern]]:
    """A student's whole safeguarding file to export, for a DSL: the student and
    their records. The export is audited against the student and against each
    record, so each record's "who has looked" list shows it."""
    student = safeguarding_student_for_change(user, school, public_id)
    records = list(safeguarding_records_of(student))
    audit_record(
        action="safeguarding.file_exported",
        actor=user,
        role=Role.DSL,
        school=school,
        object_type="student",
        object_public_id=student.public_id,
        request=request,
        detail=f"{len(records)} record(s), as a PDF",
    )
    for concern in records:
        audit_record(
            action="safeguarding.exported",
            actor=user,
            role=Role.DSL,
            school=school,
            object_type="concern",
            object_public_id=concern.public_id,
            request=request,
        )
    return student, records


def safeguarding_transfer_for_change(
    user: User, school: School, public_id: uuid.UUID
) -> SafeguardingTransfer:
    if role_in(user, school) != Role.DSL:
        raise Http404("No such transfer.")
    try:
        return SafeguardingTransfer.objects.select_related("student").get(
            school=school, public_id=public_id
        )
    except SafeguardingTransfer.DoesNotExist:
        raise Http404("No such transfer.") from None


# ---------------------------------------------------------------- conflicts


def conflicts_visible_to(user: User, school: School) -> QuerySet[ConflictCase]:
    """Conflict records: DSLs and coordinators all of the school's; a facilitator
    those in the groups they run; everyone else none."""
    role = role_in(user, school)
    if role in (Role.DSL, Role.COORDINATOR):
        return ConflictCase.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return ConflictCase.objects.filter(school=school, group__facilitators=user)
    return ConflictCase.objects.none()


def conflict_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> ConflictCase:
    """One conflict record (its accounts are in the children's own words): the read
    is audited."""
    try:
        case = (
            conflicts_visible_to(user, school)
            .select_related("concern", "group", "mentorship__mentee", "mentorship__mentor__student")
            .get(public_id=public_id)
        )
    except ConflictCase.DoesNotExist:
        raise Http404("No such conflict.") from None
    audit_record(
        action="conflict.viewed",
        actor=user,
        school=school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
    )
    return case


def conflict_concern_for(user: User, school: School, public_id: uuid.UUID) -> Concern:
    """A conflict concern ``user`` may see, to open its conflict record from: only
    staff who may handle conflicts (coordinators, DSLs, facilitators) get this far."""
    if role_in(user, school) not in (Role.COORDINATOR, Role.DSL, Role.FACILITATOR):
        raise Http404("No such concern.")
    try:
        return (
            concerns_visible_to(user, school)
            .filter(kind=ConcernKind.CONFLICT)
            .select_related("group", "mentorship")
            .get(public_id=public_id)
        )
    except Concern.DoesNotExist:
        raise Http404("No such concern.") from None


def conflict_concerns_without_a_record(user: User, school: School) -> QuerySet[Concern]:
    """Open conflict concerns ``user`` sees whose restorative record is not opened
    yet: what the conflict list asks staff to start on."""
    return concerns_visible_to(user, school).filter(
        kind=ConcernKind.CONFLICT, status=Concern.Status.OPEN, conflict__isnull=True
    )


def students_a_conflict_may_name(user: User, school: School, concern: Concern) -> QuerySet[Student]:
    """The students offered when opening a conflict record: those the worry named
    and the members of its group, among the students ``user`` may name at all (a
    facilitator: the members of their own groups, offered in full)."""
    nameable = students_a_concern_may_name(user, school)
    if role_in(user, school) == Role.FACILITATOR:
        return nameable
    named = Q(pk__in=concern.students.values("pk"))
    if concern.group is None:
        return nameable.filter(named)
    in_group = GroupMember.objects.filter(
        school=school, group=concern.group, left_on__isnull=True
    ).values("student_id")
    return nameable.filter(named | Q(pk__in=in_group))


# ---------------------------------------------------------------- urgent words


def urgent_flags_visible_to(user: User, school: School) -> QuerySet[UrgentFlag]:
    """Flags of urgent words: the school's DSLs only."""
    if role_in(user, school) == Role.DSL:
        return UrgentFlag.objects.filter(school=school)
    return UrgentFlag.objects.none()


def urgent_flag_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> UrgentFlag:
    """One flag, with the words that were flagged: the read is audited. When the
    words are a safeguarding concern's own, showing them is a read of that record
    too, audited as its record page audits one, so that the record's "who has
    looked" list shows it."""
    try:
        flag = (
            urgent_flags_visible_to(user, school)
            .select_related("student", "reviewed_by")
            .get(public_id=public_id)
        )
    except UrgentFlag.DoesNotExist:
        raise Http404("No such flag.") from None
    audit_record(
        action="urgent_flag.viewed",
        actor=user,
        school=school,
        object_type="urgent_flag",
        object_public_id=flag.public_id,
        request=request,
    )
    if flag.source_type != "concern":
        return flag
    safeguarding = Concern.objects.filter(
        school=school, kind=ConcernKind.SAFEGUARDING, public_id=flag.source_public_id
    )
    if not safeguarding.exists():
        return flag
    _safeguarding_read(
        user, school, flag.source_public_id, request, "read through its urgent-words flag"
    )
    return flag


def urgent_phrases_visible_to(user: User, school: School) -> QuerySet[UrgentPhrase]:
    """The school's urgent-words list: its DSLs keep it."""
    if role_in(user, school) == Role.DSL:
        return UrgentPhrase.objects.filter(school=school)
    return UrgentPhrase.objects.none()


def urgent_phrase_for(user: User, school: School, public_id: uuid.UUID) -> UrgentPhrase:
    try:
        return urgent_phrases_visible_to(user, school).get(public_id=public_id)
    except UrgentPhrase.DoesNotExist:
        raise Http404("No such phrase.") from None
