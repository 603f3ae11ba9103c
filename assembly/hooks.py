"""What sessions tell the apps that follow them (``common.hooks``)."""

from __future__ import annotations

from dataclasses import dataclass

from common.hooks import Hook


@dataclass(frozen=True)
class PresenceChanged:
    session: int


#: who is present in a session changed (open rounds count those present)
presence_changed: Hook[PresenceChanged] = Hook("session.presence_changed")
