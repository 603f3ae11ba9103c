"""Members join and leave working groups themselves."""

from __future__ import annotations

import pytest
from django.test import Client

from assembly import services
from assembly.models import WorkingGroup, WorkingGroupMembership
from common.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db


def test_join_and_leave(assembly, member, observer, outsider):
    group = WorkingGroup.objects.create(assembly=assembly, name="Suya Erişim", slug="su")
    assert services.join_group(member, group.pk) is True
    assert services.join_group(member, group.pk) is False  # once
    assert list(group.members.all()) == [member]
    for person in (observer, outsider):
        with pytest.raises(Forbidden):
            services.join_group(person, group.pk)
    with pytest.raises(NotFound):
        services.join_group(member, 999_999)
    assert services.leave_group(member, group.pk) is True
    assert services.leave_group(member, group.pk) is False
    assert not WorkingGroupMembership.objects.exists()


def test_the_assembly_page_offers_it(assembly, member):
    group = WorkingGroup.objects.create(assembly=assembly, name="Kent Belleği", slug="bellek")
    client = Client()
    client.force_login(member)
    page = client.get(f"/a/{assembly.slug}/").content.decode()
    assert f"/groups/{group.pk}/membership/" in page
    client.post(f"/groups/{group.pk}/membership/", {"op": "join"})
    assert group.members.filter(pk=member.pk).exists()
    client.post(f"/groups/{group.pk}/membership/", {"op": "leave"})
    assert not group.members.filter(pk=member.pk).exists()
