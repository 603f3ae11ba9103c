"""Font size and contrast: a visitor's in a cookie, a member's in the profile, no JavaScript."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from assembly import services
from assembly.models import User
from common.errors import Invalid

pytestmark = pytest.mark.django_db


def root(client: Client) -> tuple[str, str]:
    html = client.get(reverse("home")).content.decode()
    match = re.search(r'<html[^>]* data-font="(\w+)" data-contrast="(\w+)"', html)
    assert match, html[:300]
    return match.group(1), match.group(2)


def press(client: Client, **data: str) -> None:
    response = client.post(reverse("set_preferences"), {"next": "/", **data})
    assert response.status_code == 302


def test_a_visitor_steps_through_four_sizes_kept_in_a_cookie() -> None:
    client = Client()
    assert root(client) == ("m", "normal")
    seen = []
    for _ in range(4):
        press(client, font="larger")
        seen.append(root(client)[0])
    assert seen == ["l", "xl", "xl", "xl"]
    for _ in range(4):
        press(client, font="smaller")
    assert root(client)[0] == "s"
    press(client, contrast="toggle")
    assert root(client) == ("s", "high")
    assert client.cookies["ortak_font"].value == "s"
    assert client.cookies["ortak_contrast"]["max-age"] == 365 * 24 * 3600


def test_a_members_choice_follows_them_to_another_device(member: User) -> None:
    phone = Client()
    phone.force_login(member)
    press(phone, font="larger")
    press(phone, contrast="toggle")
    member.refresh_from_db()
    assert (member.font_size, member.contrast) == ("l", "high")
    assert "ortak_font" not in phone.cookies

    library_computer = Client()
    library_computer.cookies["ortak_font"] = "s"  # someone else's choice on this machine
    assert root(library_computer) == ("s", "normal")
    library_computer.force_login(member)
    assert root(library_computer) == ("l", "high")


def test_a_member_without_a_choice_keeps_the_browsers(member: User) -> None:
    client = Client()
    client.cookies["ortak_contrast"] = "high"
    client.force_login(member)
    assert root(client) == ("m", "high")


@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "member"])
@pytest.mark.parametrize("data", [{"font": "huge"}, {"contrast": "neon"}, {"font": ""}])
def test_an_unknown_setting_is_refused_and_changes_nothing(
    member: User, logged_in: bool, data: dict[str, str]
) -> None:
    client = Client()
    if logged_in:
        client.force_login(member)
    response = client.post(reverse("set_preferences"), {"next": "/", **data}, follow=True)
    assert "Böyle bir görünüm ayarı yok; hiçbir şey değiştirilmedi." in response.content.decode()
    assert "ortak_font" not in client.cookies
    assert "ortak_contrast" not in client.cookies
    assert root(client) == ("m", "normal")
    member.refresh_from_db()
    assert (member.font_size, member.contrast) == ("", "")


def test_the_service_refuses_unknown_values_and_leaves_others_alone(member: User) -> None:
    services.update_display_preferences(member, font_size="xl")
    with pytest.raises(Invalid):
        services.update_display_preferences(member, font_size="xxl", contrast="high")
    with pytest.raises(Invalid):
        services.update_display_preferences(member, contrast="dim")
    member.refresh_from_db()
    assert (member.font_size, member.contrast) == ("xl", "")
