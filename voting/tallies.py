"""The live tallies of open rounds, coalesced: however many stances arrive, a session gets
at most one tally frame per decision per coalescing window (``realtime.publish``)."""

from __future__ import annotations

from realtime.protocol import event_frame
from realtime.publish import publish_snapshot
from voting import events, selectors
from voting.models import Decision


def _tally_frame(decision_id: int) -> tuple[int, str] | None:
    """The coalesced tally frame: two queries whatever the number of members."""
    decision = selectors.counted(Decision.objects.filter(pk=decision_id)).first()
    if decision is None or decision.session_id is None:
        return None
    tally = selectors.live_tallies([decision]).get(decision.pk)
    if tally is None:
        return None
    return decision.session_id, event_frame(events.TallyChanged(**tally))


def publish_tally(decision_id: int) -> None:
    publish_snapshot(f"tally:{decision_id}", lambda: _tally_frame(decision_id))


def publish_open_tallies(session_id: int) -> None:
    """Who is present changed: the open rounds' tallies count them (``present``)."""
    open_ids = Decision.objects.filter(session_id=session_id, status=Decision.Status.OPEN)
    for decision_id in open_ids.values_list("pk", flat=True):
        publish_tally(decision_id)
