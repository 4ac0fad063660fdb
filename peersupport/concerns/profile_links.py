"""What concerns adds to a student's profile (see students/profile_links.py): a link
to the student's safeguarding file, for a DSL, when a safeguarding record names the
student. Anyone else gets nothing, not even a hint that there is a file."""

from __future__ import annotations

from django.urls import reverse

from peersupport.accounts.models import User
from peersupport.concerns.access import safeguarding_file_shown_to
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.profile_links import ProfileLink


def safeguarding_file_link(user: User, school: School, student: Student) -> ProfileLink | None:
    if not safeguarding_file_shown_to(user, school, student):
        return None
    return ProfileLink(
        label="Safeguarding file",
        url=reverse("concerns:safeguarding_student", kwargs={"public_id": student.public_id}),
    )
