from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from followup import domain
from followup.models import Status


class CommitmentForm(forms.Form):
    title = forms.CharField(label=_("What will be done"), max_length=domain.MAX_TITLE)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=domain.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    working_group = forms.TypedChoiceField(
        label=_("A working group carries it"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only your own working groups: nobody is given work by someone else."),
    )
    carry = forms.BooleanField(label=_("I carry it myself"), required=False)

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].choices = [("", _("No working group")), *groups]  # type: ignore[attr-defined]


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=domain.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened. Blocked or dropped: say why."),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = {current, *domain.MOVES[domain.Status(current)]}
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Status.choices if value in allowed
        ]
        self.fields["status"].initial = current
