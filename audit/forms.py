"""The filters of the audit log page (plain GET forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.presenters import AREAS


class EntryFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    person = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All")), *AREAS.items()]  # type: ignore[attr-defined]
        self.fields["person"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            ("0", _("The system")),
            *people,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end comes before the start."))
        return data


class TrailFilterForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Decision"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, decisions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [  # type: ignore[attr-defined]
            ("", _("All decisions")),
            *decisions,
        ]
