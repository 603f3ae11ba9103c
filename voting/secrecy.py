"""What keeps a secret ballot apart from the person who cast it, once its round closes.

While a round is open a secret stance is stored with no member (``Stance.member`` is
null) and a :class:`~voting.models.Participation` row records only that the member took
part: a random key, no time. The two are written in one transaction, though, so until the
round closes an operator who reads the database's own bookkeeping can pair them: both
rows carry the same transaction id (``xmin``), they sit in the same order in their
tables, and the stance's serial id tells the order of casting (docs/privacy.md).

:func:`unlink` ends that when the round closes, in the closing transaction: the round's
ballots and participations are read, deleted and written again, each table in its own
random order. Afterwards every one of them carries the closing transaction's id, the
stances' ids and both tables' physical order are shuffled, and their times are the
round's opening; nothing in the rows, a ``pg_dump`` or the audit log ties a ballot to a
person. On PostgreSQL the old row versions are then vacuumed away.
"""

from __future__ import annotations

import logging
import secrets
import uuid

from django.db import connection, transaction

from voting.models import Participation, Round, Stance

log = logging.getLogger(__name__)

#: The columns a ballot keeps when it is written again (its id is new).
_KEPT = (
    "option",
    "ranking",
    "reason",
    "cast_at",
    "updated_at",
    "resolution",
    "resolution_note",
    "resolved_at",
)


def unlink(round_: Round) -> int:
    """Rewrite a closing secret round's ballots and participations in random order; the
    number of ballots. Runs inside the transaction that closes the round."""
    shuffle = secrets.SystemRandom().shuffle
    ballots = list(Stance.objects.filter(round=round_).values(*_KEPT))
    members = list(Participation.objects.filter(round=round_).values_list("member_id", flat=True))
    Stance.objects.filter(round=round_).delete()
    Participation.objects.filter(round=round_).delete()
    shuffle(ballots)
    shuffle(members)
    Stance.objects.bulk_create(Stance(round=round_, member=None, **row) for row in ballots)
    Participation.objects.bulk_create(
        Participation(id=uuid.uuid4(), round=round_, member_id=member) for member in members
    )
    if connection.vendor == "postgresql":
        transaction.on_commit(_vacuum)
    return len(ballots)


def _vacuum() -> None:
    """Remove the deleted row versions, which still carry the old order and transaction
    ids, now rather than whenever autovacuum comes by. After the commit, outside any
    transaction (VACUUM cannot run in one); a failure only leaves it to autovacuum."""
    if connection.in_atomic_block:
        return  # an enclosing transaction is still open (a test's): autovacuum will do it
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM voting_stance, voting_participation")
    except Exception:  # the close itself has committed; this is housekeeping
        log.warning("could not vacuum the secret ballots' old rows", exc_info=True)
