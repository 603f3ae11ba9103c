"""What proposals tell the apps that follow them (``common.hooks``)."""

from __future__ import annotations

from dataclasses import dataclass

from common.hooks import Hook


@dataclass(frozen=True)
class VersionCreated:
    proposal: int
    number: int
    text: str


#: a new version of a proposal (written, accepted from an amendment, or integrating an
#: objection); decisions not yet taken on it show the text their next round will ask about
version_created: Hook[VersionCreated] = Hook("proposal.version_created")
