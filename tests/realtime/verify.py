"""Resync checks in the spirit of Zulip's ``verify_action``.

``apply_event`` is how a client applies one server frame to the snapshot it holds
(CONTRACT §3, docs/protocol.md). ``verify_action`` takes the snapshot before an
action, runs it, collects every frame it published, applies them, and checks the
result equals the snapshot taken after. Nothing is ignored: the per-person ``you``
part is recomputed from the task lists the way a client would.
"""

from __future__ import annotations

import copy
import json
import pprint
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.test import TestCase

from assembly import selectors
from assembly.models import Session
from common.errors import ServiceError


class SeqGap(AssertionError):
    """The client would have to resync: a seq-bearing frame skipped a number."""


def _recompute_you(state: dict[str, Any], roles: dict[str, str]) -> None:
    """What a screen learns of itself from a change of tasks: the event names each task
    holder's role; everyone else keeps the role they joined with (as live.js does)."""
    you = state["you"]
    role = (you["participant"] and roles.get(str(you["member"]))) or (
        "member" if you["participant"] else "watcher"
    )
    you.update(
        role=role,
        facilitator=role == "facilitator",
        note_taker=role in {"facilitator", "note_taker"},
    )


def apply_event(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """The state after a client applies ``frame`` (a decoded server frame) to ``state``."""
    event, seq, data = frame["event"], frame["seq"], frame["data"]
    if seq is not None:
        if seq <= state["seq"]:
            return state  # already reflected in the snapshot: skipped
        if seq != state["seq"] + 1:
            raise SeqGap(f"{event}: seq {seq} after {state['seq']}")
    state = copy.deepcopy(state)
    if seq is not None:
        state["seq"] = seq
    if event in {"session.started", "session.adjourned", "session.closed"}:
        state["session"]["status"] = data["status"]
        state["session"]["actions"] = data["actions"]
        state["agenda"] = data["agenda"]
        for entry in state["decisions"]:
            entry["actions"] = data["decision_actions"][str(entry["id"])]
    elif event == "agenda.item_opened":
        state["agenda"] = data["agenda"]
        state["current_item"] = data["item"]
    elif event == "agenda.changed":
        state["agenda"] = data["agenda"]
        state["current_item"] = data["current_item"]
    elif event == "agenda.minutes_changed":
        items = [item for item in state["agenda"] if item["id"] == data["item"]]
        assert len(items) == 1, f"minutes for an unknown item {data['item']}"
        items[0]["minutes"] = data["minutes"]
        items[0]["actions"] = data["actions"]
    elif event == "queue.changed":
        state["queue"] = data
    elif event == "session.tasks_changed":
        state["facilitators"] = data["facilitators"]
        state["note_takers"] = data["note_takers"]
        _recompute_you(state, data["roles"])
    elif event == "presence.changed":
        assert seq is None, "presence is a derived snapshot"
        state["present"] = data["present"]
        assert set(data["arrived"]) <= {str(pk) for pk in data["present"]}
    elif event == "proposal.comment_added":
        # The snapshot holds no comments: a client shows it beside the state, which only
        # moves on by its seq.
        assert seq is not None, "a new comment is a persistent change and carries a seq"
        assert data["comment"]["proposal"] == data["proposal"]
    elif event.startswith("decision."):
        _apply_decision_event(state, event, seq, data)
    else:
        raise AssertionError(f"a client does not know how to apply {event!r}")
    return state


def _decision(state: dict[str, Any], decision_id: int) -> dict[str, Any]:
    entries = [d for d in state["decisions"] if d["id"] == decision_id]
    assert len(entries) == 1, f"an event for an unknown decision {decision_id}"
    return entries[0]


def _apply_decision_event(
    state: dict[str, Any], event: str, seq: int | None, data: dict[str, Any]
) -> None:
    """Decisions in the session state, as ``voting.selectors.decision_summary`` shows them."""
    if event == "decision.tally_changed":
        assert seq is None, "a tally is a derived snapshot"
        entry = _decision(state, data["decision"])
        # A late snapshot of a round that has closed since (or of an older round) is stale.
        if entry["status"] == "open" and entry["round"] == data["round"]:
            entry["tally"] = data
        return
    assert seq is not None, f"{event} is a persistent change and carries a seq"
    if event == "decision.added":
        assert all(d["id"] != data["decision"]["id"] for d in state["decisions"])
        state["decisions"].append(data["decision"])
    elif event == "decision.round_opened":
        entry = _decision(state, data["decision"])
        assert data["round"] == entry["round"] + 1, "rounds are numbered consecutively"
        entry.update(
            round=data["round"],
            status="open",
            text=data["text"],
            options=data["options"],
            closes_at=data["closes_at"],
            outcome=None,
            winner=None,
            tally=None,  # the tally snapshot of the new round follows
            actions=data["actions"],
        )
    elif event == "decision.round_closed":
        entry = _decision(state, data["decision"])
        assert data["round"] == entry["round"], "the open round is the one that closes"
        entry.update(
            status=data["status"],
            outcome=data["outcome"],
            winner=data.get("winner"),  # ranked only
            tally=data["tally"],
            closes_at=None,
            actions=data["actions"],
        )
    elif event == "decision.recorded":
        entry = _decision(state, data["decision"])
        entry.update(status="recorded", ref=data["ref"], url=data["url"], actions=data["actions"])
    else:
        raise AssertionError(f"a client does not know how to apply {event!r}")


def snapshot(session_id: int, user: Any = None) -> dict[str, Any]:
    """The state as the socket's first frame / the API would send it (JSON round trip)."""
    session = Session.objects.select_related("assembly").get(pk=session_id)
    return json.loads(json.dumps(selectors.session_state(session, user)))


@contextmanager
def recorded_frames() -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Every frame sent to a session group, as ``(session_id, decoded frame)``."""
    frames: list[tuple[int, dict[str, Any]]] = []

    def record(session_id: int, text: str) -> None:
        frames.append((session_id, json.loads(text)))

    with mock.patch("realtime.publish.send_frame", side_effect=record):
        yield frames


def verify_action(
    session_id: int, action: Callable[[], Any], user: Any = None, *, may_refuse: bool = False
) -> tuple[Any, list[dict[str, Any]]]:
    """Run ``action``; check that its frames turn the state before into the state after.

    Returns the action's result and the frames it published. Works inside an
    ordinary ``django_db`` test: the on-commit callbacks are captured and run.
    With ``may_refuse``, a :class:`ServiceError` is returned as the result (and the
    check becomes: nothing was published and nothing changed).
    """
    before = snapshot(session_id, user)
    with recorded_frames() as sent, TestCase.captureOnCommitCallbacks(execute=True):
        try:
            result = action()
        except ServiceError as exc:
            if not may_refuse:
                raise
            result = exc
    if isinstance(result, ServiceError):
        assert sent == [], f"a refused action ({result.code}) published {sent}"
        assert snapshot(session_id, user) == before, "a refused action changed the state"
        return result, []
    assert all(sid == session_id for sid, _ in sent), "a frame went to another session"
    frames = [f for _, f in sent]
    state = before
    for frame in frames:
        assert set(frame) == {"event", "seq", "data"}
        state = apply_event(state, frame)
    after = snapshot(session_id, user)
    if state != after:
        raise AssertionError(
            "applying the events does not give the new state\n"
            f"frames: {pprint.pformat(frames)}\n"
            f"applied: {pprint.pformat(state)}\n"
            f"snapshot: {pprint.pformat(after)}"
        )
    sequenced = [f["seq"] for f in frames if f["seq"] is not None]
    assert sequenced == list(range(before["seq"] + 1, after["seq"] + 1)), (
        "every persistent change is published with the next seq, in order"
    )
    return result, frames
