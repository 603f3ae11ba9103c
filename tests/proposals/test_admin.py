"""The operator's admin pages for proposals open and keep versions untouched."""

from __future__ import annotations

import pytest
from django.test import Client

from assembly.models import User
from proposals import services

pytestmark = pytest.mark.django_db


def test_admin_pages(proposal, facilitator, member) -> None:
    services.add_comment(member, proposal.pk, kind="idea", body="Fikir.")
    amendment = services.propose_amendment(
        member, proposal.pk, base_version=1, text="Yeni", rationale="r"
    )
    operator = User.objects.create_superuser("isletmeci", password="x")
    client = Client()
    client.force_login(operator)
    for url in [
        "/admin/proposals/proposal/",
        f"/admin/proposals/proposal/{proposal.pk}/change/",
        "/admin/proposals/amendment/",
        f"/admin/proposals/amendment/{amendment.pk}/change/",
        "/admin/proposals/comment/",
    ]:
        assert client.get(url).status_code == 200, url
