"""Pure rules of proposals: states, limits, paragraphs, word diffs and re-applying amendments.

Standard library only; no database, no Django.

States and what moves them (``TRANSITIONS``)::

    draft ──open_discussion──▶ discussion ──put_to_decision──▶ decision ──adopt──▶ adopted
      │                           ▲  │                           │  │
      │                           │  └──────withdraw────┐        │  └─not_adopt─▶ not_adopted
      └──────withdraw─────────────┼─────────────────────┴──▶ withdrawn ◀──withdraw┘
                                  └────────return_to_discussion───┘
                                  ▲
    not_adopted ──return_to_discussion──┘

- ``open_discussion`` and ``withdraw`` are the co-authors' acts.
- ``put_to_decision`` happens when the first round of a decision on the proposal opens
  (a temperature check is not a decision and does not move it).
- ``adopt`` happens when a round of such a decision closes adopted (or adopted by fallback).
- ``not_adopt`` happens when that decision is entered into the register with an outcome
  other than adopted; a register entry of ``needs_discussion`` is ``return_to_discussion``.
- ``return_to_discussion`` (decision → discussion) is also the co-authors' act once a round
  has ended without adoption and the group wants to keep working on the text before the
  next round. It is refused while a round is open (that rule needs the database, so it
  lives in the services). A proposal the register recorded as not adopted may be taken
  back to discussion the same way, to be reworked in new versions and brought again.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from common.states import InvalidTransition as InvalidTransition
from common.states import Machine

# --- Limits, in characters (CONTRACT §5b) -----------------------------------------------

MAX_TITLE = 200
MAX_NOTE = 500
MAX_RATIONALE = 2000
MAX_REASON = 2000
MAX_COMMENT = 10_000
MAX_TEXT = 100_000


# --- States -----------------------------------------------------------------------------


class State(StrEnum):
    DRAFT = "draft"
    DISCUSSION = "discussion"
    DECISION = "decision"
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    OPEN_DISCUSSION = "open_discussion"
    PUT_TO_DECISION = "put_to_decision"
    ADOPT = "adopt"
    NOT_ADOPT = "not_adopt"
    RETURN_TO_DISCUSSION = "return_to_discussion"
    WITHDRAW = "withdraw"


#: The whole life of a proposal. Anything not listed is refused.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.OPEN_DISCUSSION): State.DISCUSSION,
    (State.DRAFT, Action.WITHDRAW): State.WITHDRAWN,
    (State.DISCUSSION, Action.PUT_TO_DECISION): State.DECISION,
    (State.DISCUSSION, Action.WITHDRAW): State.WITHDRAWN,
    (State.DECISION, Action.ADOPT): State.ADOPTED,
    (State.DECISION, Action.NOT_ADOPT): State.NOT_ADOPTED,
    (State.DECISION, Action.RETURN_TO_DISCUSSION): State.DISCUSSION,
    (State.DECISION, Action.WITHDRAW): State.WITHDRAWN,
    (State.NOT_ADOPTED, Action.RETURN_TO_DISCUSSION): State.DISCUSSION,
}

#: What co-authors may do to the state themselves; the rest follows the decisions.
AUTHOR_ACTIONS: frozenset[Action] = frozenset(
    {Action.OPEN_DISCUSSION, Action.WITHDRAW, Action.RETURN_TO_DISCUSSION}
)

#: States in which the text and the discussion are closed. Only a proposal that was not
#: adopted can be taken back to discussion (``return_to_discussion``) to be reworked.
FINAL: frozenset[State] = frozenset({State.ADOPTED, State.NOT_ADOPTED, State.WITHDRAWN})
#: States in which members (not only co-authors) read, comment and amend.
OPEN_TO_MEMBERS: frozenset[State] = frozenset({State.DISCUSSION, State.DECISION})


MACHINE = Machine("proposal", State, Action, TRANSITIONS)
transition = MACHINE.transition
allowed_actions = MACHINE.allowed


class Work(StrEnum):
    """What people do to a proposal whose being allowed depends on its state (who may do
    it is for the gates in ``permissions.py``)."""

    WRITE = "write"  # a new version, or an accepted amendment
    INVITE = "invite"  # invite a co-author
    AMEND = "amend"  # propose an amendment
    PROMOTE = "promote"  # make an amendment an alternative for a ranked decision
    COMMENT = "comment"  # write a comment or a reply
    COSIGN = "cosign"  # co-sign it for the agenda
    DECIDE = "decide"  # bring it to a decision, or open a round of one


_NOT_FINAL = frozenset(State) - FINAL

#: The states in which each kind of work is allowed.
WORK_STATES: dict[Work, frozenset[State]] = {
    Work.WRITE: _NOT_FINAL,
    Work.INVITE: _NOT_FINAL,
    Work.AMEND: OPEN_TO_MEMBERS,
    Work.PROMOTE: OPEN_TO_MEMBERS,
    Work.COMMENT: _NOT_FINAL,
    Work.COSIGN: frozenset({State.DISCUSSION}),
    Work.DECIDE: OPEN_TO_MEMBERS,
}
#: Work that waits while a round is open: the round asks about the text as it is.
WAITS_FOR_ROUND: frozenset[Work] = frozenset({Work.WRITE})


def allows(work: Work, state: str, *, open_round: bool = False) -> bool:
    """Whether ``work`` may be done to a proposal in ``state`` (with a round open or not)."""
    return State(state) in WORK_STATES[work] and not (open_round and work in WAITS_FOR_ROUND)


def author_actions(state: str, *, open_round: bool = False) -> list[Action]:
    """The state changes co-authors may choose now. While a round is open only opening a
    draft would be possible, and a draft has no round."""
    return [
        action
        for action in allowed_actions(state)
        if action in AUTHOR_ACTIONS and (action is Action.OPEN_DISCUSSION or not open_round)
    ]


def can_change_text(state: str) -> bool:
    """Whether new versions may be made (an open round is checked separately)."""
    return allows(Work.WRITE, state)


def is_ready(cosigns: int, threshold: int) -> bool:
    """Enough members co-signed for the proposal to be suggested for the agenda."""
    return cosigns >= max(1, threshold)


# --- Comments ---------------------------------------------------------------------------


class CommentKind(StrEnum):
    QUESTION = "question"
    CONCERN = "concern"
    IDEA = "idea"
    SUPPORT = "support"
    PROCESS = "process"


# --- Moderation: hiding is never silent -------------------------------------------------


class Moderation(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"
    RESTORE_REQUESTED = "restore_requested"


class ModerationAct(StrEnum):
    HIDE = "hide"  # a facilitator hides a comment, saying why
    ANSWER = "answer"  # its author answers the reason
    REQUEST_RESTORE = "request_restore"  # its author asks for it to be shown again
    RESTORE = "restore"  # a facilitator shows it again


@dataclass(frozen=True)
class ModerationRule:
    """Who takes a moderation act, whether its note is required, and the names it is kept
    under in the moderation log (``event``) and the audit log (``audit``)."""

    by: str  # "moderator" or "author"
    note_required: bool
    event: str
    audit: str


MODERATION_RULES: dict[ModerationAct, ModerationRule] = {
    ModerationAct.HIDE: ModerationRule("moderator", True, "hidden", "discussion.comment_hidden"),
    ModerationAct.ANSWER: ModerationRule(
        "author", True, "answered", "discussion.moderation_answered"
    ),
    ModerationAct.REQUEST_RESTORE: ModerationRule(
        "author", False, "restore_requested", "discussion.restore_requested"
    ),
    ModerationAct.RESTORE: ModerationRule(
        "moderator", False, "restored", "discussion.comment_restored"
    ),
}

#: What each act does to a comment's moderation; anything not listed is refused.
MODERATION = Machine(
    "comment",
    Moderation,
    ModerationAct,
    {
        (Moderation.VISIBLE, ModerationAct.HIDE): Moderation.HIDDEN,
        (Moderation.HIDDEN, ModerationAct.ANSWER): Moderation.HIDDEN,
        (Moderation.RESTORE_REQUESTED, ModerationAct.ANSWER): Moderation.RESTORE_REQUESTED,
        (Moderation.HIDDEN, ModerationAct.REQUEST_RESTORE): Moderation.RESTORE_REQUESTED,
        (Moderation.HIDDEN, ModerationAct.RESTORE): Moderation.VISIBLE,
        (Moderation.RESTORE_REQUESTED, ModerationAct.RESTORE): Moderation.VISIBLE,
    },
)


#: The reactions a member may leave on a comment (one per member and comment).
REACTIONS: tuple[str, ...] = ("+1", "heart", "thinking")


# --- Paragraphs -------------------------------------------------------------------------

#: A paragraph ends at a blank line (Markdown's block separator).
_BREAK = re.compile(r"\n[ \t]*\n\s*")


def normalise(text: str) -> str:
    """Line endings as ``\\n`` (browsers send ``\\r\\n`` from a textarea)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def units(text: str) -> list[str]:
    """``text`` cut into paragraphs, each with the blank lines after it.

    ``"".join(units(text)) == text`` always holds, so merging units loses nothing.
    """
    parts: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def paragraphs(text: str) -> list[str]:
    """The paragraphs a comment can be anchored to, counted from 0 (blank ones skipped)."""
    return [p.strip() for p in units(text) if p.strip()]


# --- Word diffs -------------------------------------------------------------------------

# A word is letters and digits of any script (Turkish ç ğ ı İ ö ş ü included, and combining
# marks such as the dot of a decomposed i̇), with apostrophes inside it (İzmir'de, İZSU'ya).
_LETTER = r"(?:[^\W_]|[\u0300-\u036f])"
_TOKEN = re.compile(rf"{_LETTER}+(?:['’]{_LETTER}+)*|\s+|.", re.DOTALL)

#: Above this many token comparisons a changed block is shown whole (deleted, inserted).
WORD_DIFF_BUDGET = 4_000_000


def tokenize(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks; joined they give ``text``."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Segment:
    """A piece of the diff: kept (``old == new``) or changed (old deleted, new inserted)."""

    old: str
    new: str
    kept: bool


def _token_segments(old: Sequence[str], new: Sequence[str]) -> list[Segment]:
    if not old and not new:
        return []
    if len(old) * len(new) > WORD_DIFF_BUDGET:
        return [Segment("".join(old), "".join(new), kept=False)]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = "".join(old[i1:i2]), "".join(new[j1:j2])
        out.append(Segment(a, b, kept=tag == "equal"))
    return out


def diff_segments(old: str, new: str) -> list[Segment]:
    """Word-level differences between two texts.

    First by paragraph (cheap, and it keeps long texts fast), then word by word inside
    the paragraphs that changed. Whitespace kept between two changes joins them, so a
    changed phrase reads as one deletion and one insertion.
    """
    old_units, new_units = units(old), units(new)
    matcher = difflib.SequenceMatcher(None, old_units, new_units, autojunk=False)
    raw: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            raw.append(Segment("".join(old_units[i1:i2]), "".join(new_units[j1:j2]), kept=True))
        else:
            raw.extend(
                _token_segments(
                    tokenize("".join(old_units[i1:i2])), tokenize("".join(new_units[j1:j2]))
                )
            )
    return _coalesce(raw)


def _coalesce(raw: list[Segment]) -> list[Segment]:
    # Whitespace kept between two changes becomes part of both sides of one change.
    marked = [
        Segment(s.old, s.new, kept=False)
        if s.kept
        and s.old.isspace()
        and 0 < i < len(raw) - 1
        and not raw[i - 1].kept
        and not raw[i + 1].kept
        else s
        for i, s in enumerate(raw)
    ]
    out: list[Segment] = []
    for seg in marked:
        if not seg.old and not seg.new:
            continue
        if out and out[-1].kept == seg.kept:
            out[-1] = Segment(out[-1].old + seg.old, out[-1].new + seg.new, seg.kept)
        else:
            out.append(seg)
    return out


def diff_html(old: str, new: str) -> str:
    """The word diff as HTML: only ``<ins>`` and ``<del>`` are markup, the rest is escaped."""
    parts: list[str] = []
    for seg in diff_segments(old, new):
        if seg.kept:
            parts.append(html.escape(seg.new))
            continue
        if seg.old:
            parts.append(f"<del>{html.escape(seg.old)}</del>")
        if seg.new:
            parts.append(f"<ins>{html.escape(seg.new)}</ins>")
    return "".join(parts)


# --- Re-applying an amendment onto a newer version ------------------------------------


@dataclass(frozen=True)
class Hunk:
    """Base paragraphs ``[start, end)`` replaced by ``lines`` (an insertion when empty)."""

    start: int
    end: int
    replacement: tuple[str, ...]


def hunks(base: Sequence[str], other: Sequence[str]) -> list[Hunk]:
    """The changes from ``base`` to ``other``; paragraphs replaced one for one are
    separate changes (so that the same edit made on both sides is recognised)."""
    matcher = difflib.SequenceMatcher(None, list(base), list(other), autojunk=False)
    out: list[Hunk] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            out.extend(Hunk(i1 + k, i1 + k + 1, (other[j1 + k],)) for k in range(i2 - i1))
        else:
            out.append(Hunk(i1, i2, tuple(other[j1:j2])))
    return out


def _clash(a: Hunk, b: Hunk) -> bool:
    """Two changes of the same base touch the same paragraphs (or insert at one place)."""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return max(a.start, b.start) < min(a.end, b.end)


def reapply(base: str, amended: str, current: str) -> str | None:
    """Apply the change ``base → amended`` onto ``current`` (a later version of ``base``).

    A three-way merge by paragraph: each side's changes are worked out against the base;
    if the paragraphs the amendment changed were not touched on the way to ``current``
    (and no two insertions land at the same place), the amendment's changes are applied
    to ``current``. Otherwise None: the amendment needs a rebase.
    """
    if base == current:
        return amended
    base_units = units(base)
    theirs = hunks(base_units, units(current))
    # A change made on both sides alike (someone applied it by hand) counts once.
    mine = [h for h in hunks(base_units, units(amended)) if h not in theirs]
    if any(_clash(a, b) for a in mine for b in theirs):
        return None
    merged: list[str] = []
    position = 0
    for hunk in sorted([*mine, *theirs], key=lambda h: (h.start, h.end)):
        merged.extend(base_units[position : hunk.start])
        merged.extend(hunk.replacement)
        position = hunk.end
    merged.extend(base_units[position:])
    return "".join(merged)
