"""Who may download and who may leave. The only access gates of the privacy app.

Everyone acts on their own data only: the views pass ``request.user``, never an id.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from common.errors import Conflict, Forbidden


def can_see_own_data(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_leave(user: Any) -> bool:
    return can_see_own_data(user) and getattr(user, "left_at", None) is None


def require_can_leave(user: Any) -> None:
    if not can_see_own_data(user):
        raise Forbidden(_("Log in first."))
    if not can_leave(user):
        raise Conflict(_("You have left already."))
