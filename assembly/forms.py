from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from assembly.models import Task, User, Visibility
from assembly.services import MAX_SPEAKING_SECONDS, MAX_TIMER_SECONDS


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=User.Language.choices)


class SignupForm(forms.Form):
    """A new account, made from an invitation link."""

    display_name = forms.CharField(label=_("Display name"), max_length=100)
    username = forms.RegexField(
        label=_("Username"),
        max_length=40,
        min_length=2,
        regex=r"^[a-zA-Z0-9_.-]+$",
        help_text=_("Letters without accents, digits, dots and dashes. You log in with it."),
        error_messages={"invalid": _("Use letters without accents, digits, dots and dashes.")},
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=User.Language.choices)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        user = User(username=self.data.get("username", ""))
        password_validation.validate_password(password, user)
        return password


class SessionPlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    visibility = forms.ChoiceField(
        label=_("Who can watch"), choices=Visibility.choices, initial=Visibility.MEMBERS
    )
    video_url = forms.URLField(
        label=_("Video meeting link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A Jitsi or BigBlueButton address, starting with https://"),
    )
    speaking_seconds = forms.IntegerField(
        label=_("Speaking time (seconds)"), min_value=15, max_value=MAX_SPEAKING_SECONDS
    )
    facilitators = forms.TypedMultipleChoiceField(
        label=_("Facilitators"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note_takers = forms.TypedMultipleChoiceField(
        label=_("Note-takers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item per line. Add the minutes after a bar: Budget | 20"),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].choices = members  # type: ignore[attr-defined]
        self.fields["note_takers"].choices = members  # type: ignore[attr-defined]

    def clean_video_url(self) -> str:
        url: str = self.cleaned_data["video_url"]
        if url and urlsplit(url).scheme != "https":
            raise forms.ValidationError(_("The link must start with https://"))
        return url

    def clean_agenda(self) -> list[tuple[str, int]]:
        items: list[tuple[str, int]] = []
        for raw in self.cleaned_data["agenda"].splitlines():
            line = raw.strip()
            if not line:
                continue
            title, _sep, budget = line.partition("|")
            title = title.strip()[:200]
            try:
                minutes = int(budget.strip()) if budget.strip() else 15
            except ValueError:
                raise forms.ValidationError(
                    _("Write the minutes as a number after the bar: %(line)s") % {"line": line}
                ) from None
            if not 1 <= minutes <= 600:
                raise forms.ValidationError(_("An item's budget is 1 to 600 minutes."))
            items.append((title, minutes))
        if len(items) > 100:
            raise forms.ValidationError(_("At most 100 agenda items."))
        return items


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    minutes_budget = forms.IntegerField(
        label=_("Time budget (minutes)"), min_value=1, max_value=600, initial=15
    )
    proposal = forms.TypedChoiceField(
        label=_("Proposal"), required=False, coerce=int, empty_value=None, choices=()
    )
    commitment = forms.TypedChoiceField(
        label=_("Follow-up to review"), required=False, coerce=int, empty_value=None, choices=()
    )
    record = forms.TypedChoiceField(
        label=_("Decision to review"), required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(
        self,
        *args: Any,
        proposals: list[tuple[int, str, bool]] = (),  # type: ignore[assignment]
        reviews: dict[str, list[Any]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        reviews = reviews or {"followups": [], "records": []}
        self.fields["commitment"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (pk, f"{title} ({_('overdue')})" if overdue else title)
                for pk, title, overdue in reviews["followups"]
            ),
        ]
        self.fields["record"].choices = [("", "—"), *reviews["records"]]  # type: ignore[attr-defined]
        self.fields["proposal"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (pk, f"{title} ({_('ready')})" if ready else title)
                for pk, title, ready in proposals
            ),
        ]


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("Minutes"), required=False, max_length=100_000, widget=forms.Textarea
    )


class TimerForm(forms.Form):
    seconds = forms.IntegerField(label=_("Seconds"), min_value=1, max_value=MAX_TIMER_SECONDS)


class TaskForm(forms.Form):
    task = forms.ChoiceField(choices=Task.choices)
