"""Events that proposals emit into live sessions. Fields are JSON primitives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class CommentAdded:
    """A comment on the proposal of the agenda item now open (a sequenced event).

    ``comment`` is the comment as ``GET /api/v1/proposals/<id>/comments/`` shows it to
    someone who is not its author, with ``"replies": []`` when it is not a reply.
    """

    name: ClassVar[str] = "proposal.comment_added"
    proposal: int
    comment: dict[str, Any]
