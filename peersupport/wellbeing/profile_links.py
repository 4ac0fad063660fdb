"""What wellbeing adds to a student's profile (see students/profile_links.py): a link
to the student's measures and goals, for staff who may read them. Anyone else gets
nothing."""

from __future__ import annotations

from django.urls import reverse

from peersupport.accounts.models import User
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.profile_links import ProfileLink
from peersupport.wellbeing.access import students_whose_measures_visible_to


def student_measures_link(user: User, school: School, student: Student) -> ProfileLink | None:
    if student.school_id != school.pk:
        return None
    if not students_whose_measures_visible_to(user, school).filter(pk=student.pk).exists():
        return None
    return ProfileLink(
        label="Wellbeing measures and goals",
        url=reverse("wellbeing:staff_student_measures", kwargs={"public_id": student.public_id}),
    )
