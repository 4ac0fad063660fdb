"""Links that apps after students add to a student's profile page.

Students stands before the apps whose records name a student, so it cannot ask them
what they hold. Instead such an app registers a function here, in its AppConfig's
``ready()``; the profile page asks each registered function for its link and shows
those it gets. The function decides who may see its link, through its own app's
access rules, and answers None to everyone else: the page then gives no hint that
there was anything to link to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peersupport.accounts.models import User
from peersupport.schools.models import School
from peersupport.students.models import Student


@dataclass(frozen=True)
class ProfileLink:
    """A link on a student's profile to a page of another app about them."""

    label: str
    url: str


ProfileLinkSource = Callable[[User, School, Student], ProfileLink | None]

_sources: list[ProfileLinkSource] = []


def profile_link_source_add(source: ProfileLinkSource) -> None:
    """Add a function that gives the profile a link (or None). Adding the same one
    again changes nothing, so a ``ready()`` run twice adds it once."""
    if source not in _sources:
        _sources.append(source)


def profile_links_for(user: User, school: School, student: Student) -> list[ProfileLink]:
    """The links ``user`` sees on ``student``'s profile, in the order the sources
    were added (the order of the apps)."""
    links = []
    for source in _sources:
        link = source(user, school, student)
        if link is not None:
            links.append(link)
    return links
