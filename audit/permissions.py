"""Who may read an assembly's audit log. The only access gate of the audit app.

Members of the assembly read it (it is their record of who changed what), and so does
the site's operator (staff), who answers for the site. Observers watch sessions but are
not members: the log names members and their open stances, so they do not read it;
neither do outsiders and visitors, even of a public assembly.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import Assembly
from common.errors import Forbidden, NotFound


def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


def can_view_audit(user: Any, assembly: Assembly) -> bool:
    return is_operator(user) or assembly_permissions.is_member(user, assembly.pk)


def get_audited_assembly_for_user(user: Any, slug: str) -> Assembly:
    """The assembly whose log ``user`` may read; NotFound when they may not even see the
    assembly, Forbidden when they see it but not its log."""
    assembly = Assembly.objects.filter(slug=slug).first()
    if assembly is None:
        raise NotFound(_("There is no such assembly."))
    if can_view_audit(user, assembly):
        return assembly
    if assembly_permissions.can_view_assembly(user, assembly):
        raise Forbidden(_("Only members of this assembly can read its audit log."))
    raise NotFound(_("There is no such assembly."))
