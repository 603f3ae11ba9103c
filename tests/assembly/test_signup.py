"""Someone new joins an assembly through an invitation link by making an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assembly import services
from assembly.models import Invitation, Membership, Role, User
from common.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

GOOD = {
    "display_name": "Nazlı Erdem",
    "username": "nazli",
    "password": "kent-hakki-2026",
    "language": "tr",
}


def test_signup_makes_a_member_and_logs_in(assembly, member):
    invitation = services.create_invitation(member, assembly)
    client = Client()
    response = client.post(reverse("join", args=[invitation.token]), GOOD)
    assert response.status_code == 302
    user = User.objects.get(username="nazli")
    assert user.display_name == "Nazlı Erdem"
    assert user.check_password(GOOD["password"])
    assert Membership.objects.get(user=user, assembly=assembly).role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.uses == 1
    # logged in: the profile page answers instead of redirecting to the login page
    assert client.get(reverse("profile")).status_code == 200


def test_signup_refuses_a_taken_username_and_a_weak_password(assembly, member):
    invitation = services.create_invitation(member, assembly)
    client = Client()
    url = reverse("join", args=[invitation.token])
    taken = client.post(url, {**GOOD, "username": member.username.upper()})
    assert taken.status_code == 200
    assert "username" in taken.context["form"].errors
    weak = client.post(url, {**GOOD, "password": "123"})
    assert "password" in weak.context["form"].errors
    odd = client.post(url, {**GOOD, "username": "nazlı erdem"})
    assert "username" in odd.context["form"].errors
    assert not User.objects.filter(display_name="Nazlı Erdem").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_signup_with_a_used_up_or_expired_link_changes_nothing(assembly, member):
    invitation = services.create_invitation(member, assembly)
    Invitation.objects.filter(pk=invitation.pk).update(uses=invitation.max_uses)
    with pytest.raises(Conflict):
        services.sign_up_with_invitation(invitation.token, **GOOD)
    Invitation.objects.filter(pk=invitation.pk).update(
        uses=0, expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        services.sign_up_with_invitation(invitation.token, **GOOD)
    assert not User.objects.filter(username="nazli").exists()


def test_the_service_refuses_a_taken_name_whatever_its_case(assembly, member):
    invitation = services.create_invitation(member, assembly)
    with pytest.raises(Invalid) as info:
        services.sign_up_with_invitation(invitation.token, **{**GOOD, "username": "MEHMET"})
    assert "username" in info.value.fields
