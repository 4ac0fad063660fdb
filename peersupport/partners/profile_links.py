"""What partners adds to a student's profile (see students/profile_links.py): a link
to the student's referrals to outside services, for coordinators and DSLs, when
there are any, and otherwise a link to start one. Anyone else gets nothing."""

from __future__ import annotations

from django.urls import reverse

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.partners.access import referrals_visible_to
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.profile_links import ProfileLink


def referrals_out_link(user: User, school: School, student: Student) -> ProfileLink | None:
    if student.school_id != school.pk:
        return None
    if role_in(user, school) not in (Role.COORDINATOR, Role.DSL):
        return None
    count = referrals_visible_to(user, school).filter(student=student).count()
    if count == 0:
        # Where a referral for the student starts.
        return ProfileLink(
            label="Refer to an outside service",
            url=reverse("partners:referral_new", kwargs={"student": student.public_id}),
        )
    return ProfileLink(
        label=f"Referrals to outside services ({count})",
        url=reverse("partners:referrals") + f"?student={student.public_id}",
    )
