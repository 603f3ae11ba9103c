"""Forms of the proposal pages. They parse and draw; the limits and rules are the services'.

No field here repeats a limit of :mod:`proposals.domain`: a text that is too long reaches
the service, whose message ("At most … characters (you wrote …)") is shown on the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.errors import ServiceError
from proposals import domain
from proposals.models import CommentKind

MARKDOWN_HELP = _(
    "Leave an empty line between paragraphs. "
    "Write **bold**, *italic* and [a link](https://…). "
    "Start a line with “- ” for a list. Pictures and HTML are not shown."
)


def _textarea(rows: int, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def add_service_error(
    form: forms.Form, exc: ServiceError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's error on the form: each field message on its field, else on top."""
    aliases = aliases or {}
    placed = False
    for key, message in exc.fields.items():
        name = aliases.get(key, key)
        text = message if isinstance(message, str) else " ".join(str(m) for m in message)
        if name in form.fields:
            form.add_error(name, str(text))
            placed = True
        elif isinstance(message, str):
            form.add_error(None, str(text))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def paragraph_choices(text: str, empty: str) -> list[tuple[str, str]]:
    """``(index, "Paragraph n: first words…")`` for each paragraph of ``text``."""
    choices = [("", empty)]
    for index, paragraph in enumerate(domain.paragraphs(text)):
        words = " ".join(paragraph.split())
        short = words if len(words) <= 60 else words[:57].rstrip() + "…"
        label = gettext("Paragraph %(number)s: %(start)s") % {"number": index + 1, "start": short}
        choices.append((str(index), label))
    return choices


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), strip=True)
    text = forms.CharField(
        label=_("Text"), strip=False, widget=_textarea(14), help_text=MARKDOWN_HELP
    )
    working_group = forms.TypedChoiceField(
        label=_("Working group"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Optional. When a group writes it, the group's members are its co-authors."),
    )

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].choices = [  # type: ignore[attr-defined]
            ("", _("None: I write it with co-authors I invite")),
            *groups,
        ]
        if not groups:
            self.fields["working_group"].widget = forms.HiddenInput()


class VersionForm(forms.Form):
    text = forms.CharField(
        label=_("New text"), strip=False, widget=_textarea(14), help_text=MARKDOWN_HELP
    )
    note = forms.CharField(
        label=_("What changed?"),
        help_text=_("A short change note, kept in the version history."),
    )


class AmendmentForm(forms.Form):
    base_version = forms.TypedChoiceField(label=_("Based on version"), coerce=int)
    text = forms.CharField(
        label=_("The whole text with your change"),
        strip=False,
        widget=_textarea(14),
        help_text=_("Change only what you want to change. Leave the rest as it is."),
    )
    rationale = forms.CharField(
        label=_("Why?"),
        widget=_textarea(4),
        help_text=_("Say why this change makes the proposal better."),
    )
    paragraph = forms.TypedChoiceField(
        label=_("Paragraph it is about"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, versions: list[int], paragraphs: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base_version"].choices = [  # type: ignore[attr-defined]
            (n, gettext("Version %(number)s") % {"number": n}) for n in reversed(versions)
        ]
        self.fields["paragraph"].choices = paragraphs  # type: ignore[attr-defined]


class RebaseForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput())
    text = forms.CharField(
        label=_("Your change, made again on the current text"),
        strip=False,
        widget=_textarea(12),
    )
    rationale = forms.CharField(label=_("Why?"), widget=_textarea(3))


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=_textarea(3),
        help_text=_("The amendment's author reads it."),
    )


KIND_CHOICES = CommentKind.choices


class CommentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of comment"), choices=KIND_CHOICES)
    body = forms.CharField(label=_("Your comment"), widget=_textarea(5), help_text=MARKDOWN_HELP)
    paragraph = forms.TypedChoiceField(
        label=_("About a paragraph"), required=False, coerce=int, empty_value=None
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput())
    amendment = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(
        self,
        *args: Any,
        paragraphs: list[tuple[str, str]] | None = None,
        radios: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if radios:
            self.fields["kind"].widget = forms.RadioSelect(choices=KIND_CHOICES)
        if paragraphs is None or len(paragraphs) <= 1:
            del self.fields["paragraph"]
        else:
            self.fields["paragraph"].choices = paragraphs  # type: ignore[attr-defined]


class CommentEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of comment"), choices=KIND_CHOICES)
    body = forms.CharField(label=_("Your comment"), widget=_textarea(5))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=_textarea(3),
        help_text=_("Its author sees the reason and can answer."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=_textarea(3))

    def __init__(self, *args: Any, label: Any = None, required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["note"].label = label
        self.fields["note"].required = required


class InviteForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]  # type: ignore[attr-defined]


class CompareForm(forms.Form):
    """``?from=a&to=b`` of the diff page (the field names are Python keywords)."""

    def __init__(self, *args: Any, versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, gettext("Version %(number)s") % {"number": n}) for n in versions]
        self.fields["from"] = forms.TypedChoiceField(label=_("From"), choices=choices, coerce=int)
        self.fields["to"] = forms.TypedChoiceField(label=_("To"), choices=choices, coerce=int)
