"""Navigation follows the role, and marks one link as the current page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conftest import Persona


def current(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [link["label"] for link in response.context["nav_links"] if link["current"]]


def test_one_current_link_the_most_specific(client: Client, personas: dict[str, Persona]) -> None:
    client.force_login(personas["coordinator"].user)
    assert current(client.get(reverse("meetings:at_risk"))) == ["At risk"]
    assert current(client.get(reverse("meetings:list"))) == ["Sessions"]
    assert current(client.get(reverse("home"))) == ["Home"]


def test_links_follow_the_role(client: Client, personas: dict[str, Persona]) -> None:
    client.force_login(personas["mentor"].user)
    labels = [link["label"] for link in client.get(reverse("meetings:list")).context["nav_links"]]
    assert labels == ["My page", "Get help now", "Sessions", "Training", "Ask for support"]
    client.force_login(personas["viewer"].user)
    assert [link["label"] for link in client.get(reverse("home")).context["nav_links"]] == [
        "Home",
        "Get help now",
        "Impact reports",
        "Who takes part",
    ]
