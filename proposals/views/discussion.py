"""The discussion on the proposal page: write a comment or a reply, and everything done to
a comment (edit, hide, restore, answer a moderation, ask to restore, react)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.utils.translation import gettext as _

from common.errors import NotFound, ServiceError
from common.web import error_page, refused
from proposals import permissions, selectors, services
from proposals.forms import (
    CommentEditForm,
    CommentForm,
    NoteForm,
    ReasonForm,
    add_service_error,
    paragraph_choices,
)
from proposals.views.base import draw_again, readable, to_proposal, writes


@login_required
@writes
def comment_create(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    parent = request.POST.get("parent") or ""
    amendment = request.POST.get("amendment") or ""
    current = selectors.current_version(found)
    if parent.isdigit():
        # A refused reply is drawn again under its thread's first comment, where the reply
        # form is (a reply to a reply is refused: replies are one level deep).
        thread = selectors.thread_of(found, int(parent)) or parent
        key, form = (
            f"reply-{thread}",
            CommentForm(request.POST, radios=False, auto_id=f"c{thread}-reply-%s"),
        )
    elif amendment.isdigit():
        key, form = (
            f"amendment-comment-{amendment}",
            CommentForm(request.POST, radios=False, auto_id=f"a{amendment}-comment-%s"),
        )
    else:
        key, form = (
            "comment",
            CommentForm(
                request.POST,
                paragraphs=paragraph_choices(current.text, _("The whole proposal")),
                auto_id="comment-%s",
            ),
        )
    if not form.is_valid():
        return draw_again(request, proposal_id, key, form)
    data = form.cleaned_data
    paragraph = data.get("paragraph")
    try:
        comment = services.add_comment(
            request.user,
            proposal_id,
            kind=data["kind"],
            body=data["body"],
            parent=data["parent"],
            anchor=(
                {"version": current.number, "paragraph": paragraph}
                if paragraph is not None
                else None
            ),
            amendment_id=data["amendment"],
        )
    except NotFound as exc:
        if key == "comment":
            return error_page(request, exc)
        add_service_error(form, exc)
        return draw_again(request, proposal_id, key, form, exc.http_status)
    except ServiceError as exc:
        add_service_error(form, exc, {"anchor": "paragraph"})
        return draw_again(request, proposal_id, key, form, exc.http_status)
    messages.success(request, _("Your comment is added."))
    return to_proposal(proposal_id, f"comment-{comment.pk}")


def _comment_target(request: HttpRequest, comment_id: int) -> tuple[int, int] | HttpResponse:
    """``(proposal id, comment id)`` of a comment the person may read."""
    try:
        comment = permissions.get_comment_for_user(request.user, comment_id)
    except ServiceError as exc:
        return error_page(request, exc)
    return comment.proposal_id, comment.pk


@dataclass(frozen=True)
class Act:
    """One thing done to a comment from its page: the form it takes (``None``: a plain
    button), the service it calls with the cleaned form, and what the person is told."""

    form: Callable[[HttpRequest, str], forms.Form] | None
    run: Callable[[Any, int, dict[str, Any]], Any]
    done: Callable[[], str]


def _react(user: Any, comment_id: int, data: dict[str, Any]) -> None:
    """The same reaction again takes it back; another one replaces it."""
    kind = data.get("reaction", "")
    if kind and kind == selectors.my_reaction(comment_id, user.pk):
        services.unreact(user, comment_id)
    else:
        services.react(user, comment_id, kind)


#: The comment's acts by the name their route passes (``comment_edit`` is ``edit``...).
ACTS: dict[str, Act] = {
    "edit": Act(
        lambda request, auto: CommentEditForm(request.POST, auto_id=auto),
        lambda user, pk, d: services.edit_comment(user, pk, body=d["body"], kind=d["kind"]),
        lambda: _("Your comment is saved. Its earlier text stays in its history."),
    ),
    "hide": Act(
        lambda request, auto: ReasonForm(request.POST, auto_id=auto),
        lambda user, pk, d: services.moderate(user, pk, "hide", note=d["reason"]),
        lambda: _("The comment is hidden. Its author sees your reason."),
    ),
    "restore": Act(
        lambda request, auto: NoteForm(request.POST, required=False, auto_id=auto),
        lambda user, pk, d: services.moderate(user, pk, "restore", note=d["note"]),
        lambda: _("The comment is shown again."),
    ),
    "answer": Act(
        lambda request, auto: NoteForm(request.POST, auto_id=auto),
        lambda user, pk, d: services.moderate(user, pk, "answer", note=d["note"]),
        lambda: _("Your answer is saved in the moderation log."),
    ),
    "request": Act(
        lambda request, auto: NoteForm(request.POST, required=False, auto_id=auto),
        lambda user, pk, d: services.moderate(user, pk, "request_restore", note=d["note"]),
        lambda: _("You asked the facilitators to show the comment again."),
    ),
    "react": Act(None, _react, lambda: ""),
}


@login_required
@writes
def comment_act(request: HttpRequest, comment_id: int, act: str) -> HttpResponse:
    """Edit, hide, restore, answer a moderation, ask to restore, or react: a form with text
    that is refused comes back with what was typed; a refused button, with a message."""
    target = _comment_target(request, comment_id)
    if isinstance(target, HttpResponse):
        return target
    proposal_id, _cid = target
    spec = ACTS[act]
    anchor = f"comment-{comment_id}"
    if spec.form is None:
        try:
            spec.run(request.user, comment_id, request.POST.dict())
        except ServiceError as exc:
            refused(request, exc)
        return to_proposal(proposal_id, anchor)
    key = f"{act}-{comment_id}"
    form = spec.form(request, f"c{comment_id}-{act}-%s")
    if not form.is_valid():
        return draw_again(request, proposal_id, key, form)
    try:
        spec.run(request.user, comment_id, form.cleaned_data)
    except ServiceError as exc:
        add_service_error(form, exc)
        return draw_again(request, proposal_id, key, form, exc.http_status)
    messages.success(request, spec.done())
    return to_proposal(proposal_id, anchor)
