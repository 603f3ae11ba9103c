from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class LeaveForm(forms.Form):
    name = forms.ChoiceField(
        label=_("Your name in the record"),
        choices=[
            ("keep", _("Keep my name on what I did (decisions, comments, proposals).")),
            ("replace", _('Replace my name everywhere with "Former member" and a number.')),
        ],
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that I can no longer log in and that this cannot be undone."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
