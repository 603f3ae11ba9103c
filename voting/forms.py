from __future__ import annotations

from fractions import Fraction
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import ServiceError
from voting.models import Method, Record


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    assembly = forms.ChoiceField(label=_("Assembly"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Record.Status.choices],
    )
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=[("", _("All")), *Method.choices]
    )

    def __init__(self, *args: Any, assemblies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assembly"].choices = [("", _("All")), *assemblies]  # type: ignore[attr-defined]


class StanceForm(forms.Form):
    option = forms.ChoiceField(label=_("Your stance"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options  # type: ignore[attr-defined]


class RankingForm(forms.Form):
    """One select per place: 1st, 2nd, …; empty places leave the rest tied below."""

    def __init__(self, *args: Any, alternatives: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *alternatives]
        for place in range(1, len(alternatives) + 1):
            self.fields[f"place_{place}"] = forms.ChoiceField(
                label=_("Choice %(n)s") % {"n": place}, choices=choices, required=place == 1
            )

    def ranking(self) -> list[str]:
        keys = [self.cleaned_data.get(f"place_{i}") for i in range(1, len(self.fields) + 1)]
        return [k for k in keys if k]


class OpenRoundForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    seconds = forms.IntegerField(label=_("Seconds"), required=False, min_value=1)


class RecordForm(forms.Form):
    statement = forms.CharField(
        label=_("Decision statement"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    review_at = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    supersedes = forms.CharField(
        label=_("Supersedes (reference number)"),
        required=False,
        max_length=20,
        help_text=_("For example 2026/3"),
    )


def parse_share(text: str) -> str:
    """A share typed by a person, as an exact fraction ``"n/d"``: ``1/2``, ``%50``, ``50%``,
    ``50`` (a whole number is a per cent), ``0,5`` or ``0.5``. Raises ValueError."""
    value = text.strip().replace(" ", "")
    percent = value.startswith("%") or value.endswith("%")
    value = value.strip("%").replace(",", ".")
    if not value or len(value) > 20:
        raise ValueError(text)
    try:
        share = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(text) from None
    if percent or ("/" not in value and "." not in value and share > 1):
        share /= 100
    if not 0 <= share <= 1:
        raise ValueError(text)
    return f"{share.numerator}/{share.denominator}"


class ShareField(forms.CharField):
    """A share such as 1/2 or %50, cleaned to ``"1/2"`` (empty: not set)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_share(text)
        except ValueError:
            raise forms.ValidationError(
                _("Write a share such as 1/2 or 50 per cent, from 0 to 1."), code="share"
            ) from None


QUORUM_BASES = [
    ("", _("As usual: those present in a session, everyone outside one")),
    ("present", _("Those present: checked in to the session")),
    ("eligible", _("Everyone who may take part")),
]

#: The policy fields of every form that opens a decision, in the order they are shown.
POLICY_FIELDS = (
    "quorum",
    "quorum_of",
    "max_blocks",
    "max_stand_aside",
    "needs_discussion_share",
    "secret",
    "reveal_after_close",
    "fallback_after_rounds",
    "fallback_share",
)


class PolicyForm(forms.Form):
    """Every policy field of CONTRACT §4, explained; :meth:`policy` builds the policy the
    service checks. The one place a form turns into a decision's policy."""

    quorum = ShareField(
        label=_("Quorum"),
        help_text=_(
            "The share that must respond, such as 1/2 or 50 per cent. Empty: any response counts."
        ),
    )
    quorum_of = forms.ChoiceField(
        label=_("Quorum counted against"),
        choices=QUORUM_BASES,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Outside a session nobody is present: then count everyone."),
        initial="",
    )
    max_blocks = forms.IntegerField(
        label=_("Blocks tolerated (consensus)"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("0: a single block stops the decision."),
    )
    max_stand_aside = ShareField(
        label=_("Share of stand-asides tolerated (consensus)"),
        help_text=_("More than this, and the proposal is not adopted. Empty: 1/3."),
    )
    needs_discussion_share = ShareField(
        label=_('Share of "We should talk more" that calls for more talk (gradients)'),
        help_text=_("At least this many 5s, and we talk more. Empty: 1/4."),
    )
    secret = forms.BooleanField(
        label=_("Secret"),
        required=False,
        help_text=_("Nobody can see who said what; responses cannot be changed."),
    )
    reveal_after_close = forms.BooleanField(
        label=_("Show counts only when the round closes"),
        required=False,
        help_text=_("How many responded is always shown."),
    )
    fallback_after_rounds = forms.IntegerField(
        label=_("Fallback rule after this many rounds"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("After that many rounds without agreement a lower bar may be used."),
    )
    fallback_share = ShareField(
        label=_("Share on the side of agreement the fallback rule needs"),
        help_text=_("Such as 3/4. Set both fallback fields, or neither."),
    )

    def policy(self) -> dict[str, Any]:
        """The policy of the cleaned form: only the fields given (the rest keep their
        defaults)."""
        data = self.cleaned_data
        policy: dict[str, Any] = {}
        for key in (
            "quorum",
            "quorum_of",
            "max_blocks",
            "max_stand_aside",
            "needs_discussion_share",
            "fallback_after_rounds",
            "fallback_share",
        ):
            if data.get(key) not in (None, ""):
                policy[key] = data[key]
        if data.get("secret"):
            policy["secret"] = True
        if data.get("reveal_after_close"):
            policy["reveal"] = "after_close"
        return policy

    def add_service_error(self, exc: ServiceError) -> None:
        """A service's field messages on their fields (a policy's on its own fields)."""
        placed = False
        for key, message in exc.fields.items():
            messages = message.items() if isinstance(message, dict) else [(key, message)]
            for name, text in messages:
                name = "reveal_after_close" if name == "reveal" else name
                if name in self.fields:
                    self.add_error(name, str(text))
                else:
                    self.add_error(None, str(text))
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))


class DecisionForm(PolicyForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    alternatives = forms.CharField(
        label=_("Alternatives (ranked choice)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One per line. "Keep things as they are" is added by itself.'),
    )

    field_order: tuple[str, ...] = ("title", "text", "method", *POLICY_FIELDS, "alternatives")

    def alternative_pairs(self) -> list[tuple[str, str]]:
        return [
            (line.strip(), "")
            for line in self.cleaned_data["alternatives"].splitlines()
            if line.strip()
        ]


class AsyncDecisionForm(DecisionForm):
    """A decision taken over days: it needs a deadline, and may belong to a working group."""

    working_group = forms.TypedChoiceField(
        label=_("Working group"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("When set, only the group's members take part."),
    )
    closes_at = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    field_order = (
        "title",
        "text",
        "method",
        "working_group",
        "closes_at",
        *POLICY_FIELDS,
        "alternatives",
    )

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].choices = [("", _("The whole assembly")), *groups]  # type: ignore[attr-defined]
        self.fields["quorum_of"].initial = "eligible"


ASYNC = "async"


class BringToDecisionForm(PolicyForm):
    """ "Karara sun": a decision on a proposal's current version, in a session (its
    facilitators) or over days (the co-authors)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    where = forms.ChoiceField(label=_("Where is it decided?"), widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    closes_at = forms.DateTimeField(
        label=_("Deadline (outside a session)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("The first round opens at once and closes at this time."),
    )
    working_group = forms.TypedChoiceField(
        label=_("Who takes part (outside a session)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    alternatives = forms.MultipleChoiceField(
        label=_("Alternatives (ranked choice)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_('"Keep things as they are" is always the last alternative.'),
    )

    field_order = (
        "title",
        "where",
        "method",
        "closes_at",
        "working_group",
        "alternatives",
        *POLICY_FIELDS,
    )

    def __init__(
        self,
        *args: Any,
        places: list[tuple[str, str]],
        groups: list[tuple[int, str]],
        alternatives: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = places  # type: ignore[attr-defined]
        self.fields["working_group"].choices = [("", _("The whole assembly")), *groups]  # type: ignore[attr-defined]
        self.fields["alternatives"].choices = alternatives  # type: ignore[attr-defined]
        if ASYNC not in {key for key, _label in places}:
            # Only in a session: no deadline to set, no group to choose.
            del self.fields["closes_at"]
            del self.fields["working_group"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("where") == ASYNC and not data.get("closes_at") and "closes_at" in self.fields:
            self.add_error("closes_at", _("A decision outside a session needs a deadline."))
        return data

    def session_id(self) -> int | None:
        where = self.cleaned_data["where"]
        return None if where == ASYNC else int(where)
