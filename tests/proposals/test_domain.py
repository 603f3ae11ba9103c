"""Pure rules: the state machine, paragraphs, word diffs (Turkish) and re-applying amendments."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposals import domain
from proposals.domain import Action, InvalidTransition, State

# --- The state machine, as a truth table --------------------------------------------------

EXPECTED = {
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


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_transition_truth_table(state: State, action: Action) -> None:
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            domain.transition(state, action)
    else:
        assert domain.transition(state.value, action.value) is expected


def test_final_states_close_the_text_and_only_not_adopted_can_be_reopened() -> None:
    for state in domain.FINAL:
        assert not domain.can_change_text(state)
        expected = [Action.RETURN_TO_DISCUSSION] if state is State.NOT_ADOPTED else []
        assert domain.allowed_actions(state) == expected


# What each state allows, as a truth table: "D" draft, "S" discussion, "C" decision,
# "A" adopted, "N" not adopted, "W" withdrawn; a lower-case letter: also with a round open.
ALLOWS = {
    domain.Work.WRITE: "DSC",
    domain.Work.INVITE: "DdSsCc",
    domain.Work.AMEND: "SsCc",
    domain.Work.PROMOTE: "SsCc",
    domain.Work.COMMENT: "DdSsCc",
    domain.Work.COSIGN: "Ss",
    domain.Work.DECIDE: "SsCc",
}
LETTERS = {
    State.DRAFT: "D",
    State.DISCUSSION: "S",
    State.DECISION: "C",
    State.ADOPTED: "A",
    State.NOT_ADOPTED: "N",
    State.WITHDRAWN: "W",
}


@pytest.mark.parametrize("work", list(domain.Work))
@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("open_round", [False, True])
def test_what_each_state_allows(work: domain.Work, state: State, open_round: bool) -> None:
    letter = LETTERS[state].lower() if open_round else LETTERS[state]
    assert domain.allows(work, state.value, open_round=open_round) is (letter in ALLOWS[work])


@pytest.mark.parametrize("state", list(State))
def test_author_actions_are_the_authors_transitions_and_wait_for_a_round(state: State) -> None:
    free = domain.author_actions(state)
    assert set(free) == {a for a in domain.allowed_actions(state) if a in domain.AUTHOR_ACTIONS}
    during = domain.author_actions(state, open_round=True)
    assert during == [a for a in free if a is Action.OPEN_DISCUSSION]


def test_unknown_states_and_actions_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        domain.transition("published", "adopt")
    with pytest.raises(InvalidTransition):
        domain.transition("draft", "publish")


def test_allowed_actions() -> None:
    assert set(domain.allowed_actions("decision")) == {
        Action.ADOPT,
        Action.NOT_ADOPT,
        Action.RETURN_TO_DISCUSSION,
        Action.WITHDRAW,
    }


def test_readiness() -> None:
    assert not domain.is_ready(2, 3)
    assert domain.is_ready(3, 3)
    assert domain.is_ready(1, 0)  # a threshold of 0 still needs one co-signature
    assert not domain.is_ready(0, 0)


# --- Paragraphs ---------------------------------------------------------------------------


def test_paragraphs_count_from_zero_and_skip_blank_lines() -> None:
    text = "\n\nBirinci paragraf.\n\n\n  \nİkinci\nsatırı var.\n\nÜçüncü."
    assert domain.paragraphs(text) == ["Birinci paragraf.", "İkinci\nsatırı var.", "Üçüncü."]
    assert domain.paragraphs("") == []


@given(st.text(alphabet=st.sampled_from(list("ab \n\t.İı'"))))
def test_units_lose_nothing(text: str) -> None:
    assert "".join(domain.units(text)) == text


def test_normalise_line_endings() -> None:
    assert domain.normalise("a\r\n\r\nb\rc") == "a\n\nb\nc"


# --- Tokens and word diffs -----------------------------------------------------------------


def test_tokens_keep_turkish_words_and_apostrophes_whole() -> None:
    assert domain.tokenize("İzmir'de ışık, çağrı; ÖĞÜŞ!") == [
        "İzmir'de",
        " ",
        "ışık",
        ",",
        " ",
        "çağrı",
        ";",
        " ",
        "ÖĞÜŞ",
        "!",
    ]
    assert domain.tokenize("İZSU’ya 'tırnak' 24 saat") == [
        "İZSU’ya",
        " ",
        "'",
        "tırnak",
        "'",
        " ",
        "24",
        " ",
        "saat",
    ]
    # A decomposed İ (I + combining dot) and i̇ stay inside their word.
    assert domain.tokenize("İ̇stanbul i̇yi") == ["İ̇stanbul", " ", "i̇yi"]
    assert domain.tokenize("snake_case") == ["snake", "_", "case"]


def test_diff_of_turkish_text() -> None:
    old = "Su kesintisi 24 saati geçtiğinde İZSU'ya dilekçe verilir."
    new = "Su kesintisi 12 saati geçtiğinde İZSU'ya ortak dilekçe verilir."
    assert domain.diff_html(old, new) == (
        "Su kesintisi <del>24</del><ins>12</ins> saati geçtiğinde İZSU&#x27;ya "
        "<ins>ortak </ins>dilekçe verilir."
    )


def test_a_changed_suffix_replaces_the_whole_word() -> None:
    assert domain.diff_html("İzmir'de toplanırız.", "İzmir'den toplanırız.") == (
        "<del>İzmir&#x27;de</del><ins>İzmir&#x27;den</ins> toplanırız."
    )
    assert domain.diff_html("ışık", "ışığı") == "<del>ışık</del><ins>ışığı</ins>"


def test_punctuation_changes_alone() -> None:
    assert domain.diff_html("Gönüllüler gelir.", "Gönüllüler gelir!") == (
        "Gönüllüler gelir<del>.</del><ins>!</ins>"
    )


def test_a_changed_phrase_reads_as_one_change() -> None:
    out = domain.diff_html("iki gönüllü ve bir avukat", "üç komşu ve bir avukat")
    assert out == "<del>iki gönüllü</del><ins>üç komşu</ins> ve bir avukat"


def test_markup_in_the_text_is_escaped() -> None:
    out = domain.diff_html("<b>kalın</b>", '<script>alert("x")</script>')
    assert "<script>" not in out and "<b>" not in out
    assert set(re.findall(r"</?([a-z]+)", out)) <= {"ins", "del"}


def test_identical_texts_have_no_changes() -> None:
    text = "Aynı metin.\n\nİkinci paragraf."
    assert domain.diff_html(text, text) == html.escape(text)


def test_a_paragraph_added() -> None:
    out = domain.diff_html("Bir.\n\nİki.", "Bir.\n\nYeni paragraf.\n\nİki.")
    assert _side(out, "new") == "Bir.\n\nYeni paragraf.\n\nİki."
    assert "<ins>" in out and "<del>" not in out


def test_long_texts_fall_back_to_whole_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain, "WORD_DIFF_BUDGET", 10)
    old, new = "bir iki üç dört beş", "bir iki üç dört altı"
    out = domain.diff_html(old, new)
    assert out == f"<del>{old}</del><ins>{new}</ins>"


def _side(diff: str, side: str) -> str:
    """The text a diff gives: kept + inserted (``new``) or kept + deleted (``old``)."""
    drop, keep = ("del", "ins") if side == "new" else ("ins", "del")
    text = re.sub(rf"<{drop}>.*?</{drop}>", "", diff, flags=re.DOTALL)
    text = re.sub(rf"</?{keep}>", "", text)
    return html.unescape(text)


TURKISH = st.lists(
    st.sampled_from(
        [
            *"abcçdefgğhıijklmnoöprsştuüvyzABCÇĞIİÖŞÜ",
            *[" ", "\t", "\n", "\n\n", "'", "’", ".", ",", "<", ">", "&", '"', "_", "2"],
            *["İzmir'de ", "ışık ", "\u0307"],
        ]
    ),
    max_size=60,
).map("".join)


@given(TURKISH, TURKISH)
def test_diff_sides_give_back_both_texts(old: str, new: str) -> None:
    out = domain.diff_html(old, new)
    assert _side(out, "new") == new
    assert _side(out, "old") == old
    assert set(re.findall(r"</?([a-zA-Z]+)", out)) <= {"ins", "del"}


@given(TURKISH)
def test_diff_with_itself_has_no_markup(text: str) -> None:
    assert "<ins>" not in domain.diff_html(text, text)
    assert "<del>" not in domain.diff_html(text, text)


# --- Re-applying an amendment ---------------------------------------------------------------

BASE = "Birinci.\n\nİkinci.\n\nÜçüncü.\n\nDördüncü."


def test_an_amendment_to_the_current_version_applies_as_it_is() -> None:
    assert domain.reapply(BASE, "Yeni metin.", BASE) == "Yeni metin."


def test_untouched_paragraphs_reapply_cleanly() -> None:
    amended = BASE.replace("Dördüncü.", "Dördüncü, değişti.")
    current = BASE.replace("Birinci.", "Birinci, başka biri değiştirdi.")
    assert domain.reapply(BASE, amended, current) == (
        "Birinci, başka biri değiştirdi.\n\nİkinci.\n\nÜçüncü.\n\nDördüncü, değişti."
    )


def test_insertions_in_different_places_reapply() -> None:
    amended = BASE.replace("İkinci.\n\n", "İkinci.\n\nEklenen.\n\n")
    current = BASE.replace("Birinci.\n\n", "Önce.\n\nBirinci.\n\n")
    assert domain.reapply(BASE, amended, current) == (
        "Önce.\n\nBirinci.\n\nİkinci.\n\nEklenen.\n\nÜçüncü.\n\nDördüncü."
    )


def test_a_paragraph_changed_on_both_sides_needs_a_rebase() -> None:
    amended = BASE.replace("İkinci.", "İkinci, böyle olsun.")
    current = BASE.replace("İkinci.", "İkinci, şöyle olsun.")
    assert domain.reapply(BASE, amended, current) is None


def test_a_deleted_paragraph_that_the_amendment_changes_needs_a_rebase() -> None:
    amended = BASE.replace("Üçüncü.", "Üçüncü, değişti.")
    current = BASE.replace("Üçüncü.\n\n", "")
    assert domain.reapply(BASE, amended, current) is None


def test_two_insertions_at_one_place_need_a_rebase() -> None:
    amended = BASE.replace("İkinci.\n\n", "İkinci.\n\nBiri.\n\n")
    current = BASE.replace("İkinci.\n\n", "İkinci.\n\nÖbürü.\n\n")
    assert domain.reapply(BASE, amended, current) is None


def test_the_same_change_made_by_hand_counts_once() -> None:
    amended = BASE.replace("İkinci.", "İkinci, değişti.")
    current = amended.replace("Birinci.", "Birinci!")
    assert domain.reapply(BASE, amended, current) == current


PARAGRAPHS = st.lists(
    st.sampled_from(["Bir.", "İki.", "Üç.", "Dört.", "Beş.", "Altı."]), max_size=6
)


@given(PARAGRAPHS, PARAGRAPHS)
def test_reapply_onto_an_unchanged_base_gives_the_amendment(
    base: list[str], new: list[str]
) -> None:
    base_text, new_text = "\n\n".join(base), "\n\n".join(new)
    assert domain.reapply(base_text, new_text, base_text) == new_text


@given(PARAGRAPHS, PARAGRAPHS)
def test_an_empty_amendment_leaves_the_current_text(base: list[str], current: list[str]) -> None:
    base_text, current_text = "\n\n".join(base), "\n\n".join(current)
    assert domain.reapply(base_text, base_text, current_text) == current_text


@given(PARAGRAPHS, PARAGRAPHS, PARAGRAPHS)
def test_reapply_is_symmetric(base: list[str], mine: list[str], theirs: list[str]) -> None:
    """Applying A's change onto B's text gives what applying B's onto A's gives."""
    b, m, t = ("\n\n".join(x) for x in (base, mine, theirs))
    assert domain.reapply(b, m, t) == domain.reapply(b, t, m)


# --- Moderation, as a truth table ----------------------------------------------------------

Mod, Act = domain.Moderation, domain.ModerationAct
MODERATION = {
    (Mod.VISIBLE, Act.HIDE): Mod.HIDDEN,
    (Mod.HIDDEN, Act.ANSWER): Mod.HIDDEN,
    (Mod.RESTORE_REQUESTED, Act.ANSWER): Mod.RESTORE_REQUESTED,
    (Mod.HIDDEN, Act.REQUEST_RESTORE): Mod.RESTORE_REQUESTED,
    (Mod.HIDDEN, Act.RESTORE): Mod.VISIBLE,
    (Mod.RESTORE_REQUESTED, Act.RESTORE): Mod.VISIBLE,
}


@pytest.mark.parametrize("state", list(Mod))
@pytest.mark.parametrize("act", list(Act))
def test_moderation_truth_table(state: domain.Moderation, act: domain.ModerationAct) -> None:
    expected = MODERATION.get((state, act))
    if expected is None:
        with pytest.raises(InvalidTransition):
            domain.MODERATION.transition(state, act)
    else:
        assert domain.MODERATION.transition(state.value, act.value) is expected


def test_every_moderation_act_has_its_rule() -> None:
    assert set(domain.MODERATION_RULES) == set(Act)
    # Facilitators hide and restore; only the comment's author answers or asks back.
    assert {a for a, r in domain.MODERATION_RULES.items() if r.by == "moderator"} == {
        Act.HIDE,
        Act.RESTORE,
    }
    # Hiding is never silent: it needs a reason, and so does an answer to one.
    assert {a for a, r in domain.MODERATION_RULES.items() if r.note_required} == {
        Act.HIDE,
        Act.ANSWER,
    }
