from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    quorum = forms.CharField(
        label=_("Quorum"), required=False, max_length=20, help_text=_("A share such as 1/2")
    )
    secret = forms.BooleanField(label=_("Secret"), required=False)
    reveal_after_close = forms.BooleanField(
        label=_("Show counts only when the round closes"), required=False
    )
    alternatives = forms.CharField(
        label=_("Alternatives (ranked choice)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One per line. "Keep things as they are" is added by itself.'),
    )


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

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].choices = [("", _("The whole assembly")), *groups]  # type: ignore[attr-defined]
