"""Server-rendered pages. Thin: they call services, selectors and permissions."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assembly import permissions, selectors, services
from assembly.forms import AgendaItemForm, ProfileForm, SessionPlanForm, SignupForm
from assembly.middleware import CONTRAST_COOKIE, CONTRASTS, FONT_COOKIE, FONT_SIZES
from assembly.models import AgendaStatus, HandKind, SessionStatus, Task, User
from assembly.services import MAX_TIMER_SECONDS
from audit import permissions as audit_permissions
from common.errors import NotFound, ServiceError
from common.web import error_page, redirect_back, refused
from followup import presenters as followup_presenters
from proposals.presenters import live_panel
from realtime import protocol
from voting import presenters as voting_presenters
from voting.services import MAX_ROUND_SECONDS

ONE_YEAR = 60 * 60 * 24 * 365


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "assemblies": selectors.assemblies_for(request.user),
            "sessions": selectors.upcoming_and_live(request.user),
        },
    )


def assembly_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    sessions = selectors.sessions_for_assembly(assembly, request.user)
    return render(
        request,
        "assembly/assembly_detail.html",
        {
            "assembly": assembly,
            "sessions": sessions,
            "live_sessions": [
                s for s in sessions if s.status in {SessionStatus.LIVE, SessionStatus.ADJOURNED}
            ],
            "upcoming_sessions": [
                s for s in reversed(sessions) if s.status == SessionStatus.SCHEDULED
            ],
            "past_sessions": [s for s in sessions if s.status == SessionStatus.CLOSED],
            "groups": assembly.working_groups.prefetch_related("members"),
            "decisions": selectors.decisions_in_progress(assembly, request.user),
            "followup": followup_presenters.assembly_followups(assembly.pk, request.user),
            "memberships": selectors.members_of(assembly),
            "can_invite": permissions.can_invite(request.user, assembly),
            "can_plan": permissions.can_plan_session(request.user, assembly),
            "can_read_audit": audit_permissions.can_view_audit(request.user, assembly),
            "invitation": None,
        },
    )


@login_required
@require_POST
def group_membership(request: HttpRequest, group_id: int) -> HttpResponse:
    """Join or leave a working group."""
    try:
        if request.POST.get("op") == "leave":
            services.leave_group(request.user, group_id)
            messages.success(request, _("You have left the working group."))
        else:
            services.join_group(request.user, group_id)
            messages.success(request, _("You are now in the working group."))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    return redirect_back(request, reverse("home"))


@login_required
@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = permissions.get_assembly_for_user(request.user, slug)
        invitation = services.create_invitation(request.user, assembly)
    except ServiceError as exc:
        return error_page(request, exc)
    link = request.build_absolute_uri(reverse("join", args=[invitation.token]))
    return render(
        request,
        "assembly/invitation_created.html",
        {"assembly": assembly, "invitation": invitation, "link": link},
    )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.valid_invitation(token)
    except ServiceError as exc:
        return error_page(request, exc)
    signup = SignupForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST" and signup is not None:
        if signup.is_valid():
            try:
                user = services.sign_up_with_invitation(token, **signup.cleaned_data)
            except ServiceError as exc:
                for field, message in exc.fields.items():
                    signup.add_error(field if field in signup.fields else None, str(message))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome. You are now a member of %(assembly)s.")
                    % {"assembly": invitation.assembly.name},
                )
                return redirect("assembly", slug=invitation.assembly.slug)
        return render(request, "assembly/join.html", {"invitation": invitation, "form": signup})
    if request.method == "POST":
        try:
            services.accept_invitation(cast(User, request.user), token)
        except ServiceError as exc:
            return error_page(request, exc)
        messages.success(
            request,
            _("Welcome. You are now a member of %(assembly)s.")
            % {"assembly": invitation.assembly.name},
        )
        return redirect("assembly", slug=invitation.assembly.slug)
    return render(request, "assembly/join.html", {"invitation": invitation, "form": signup})


@login_required
@require_http_methods(["GET", "POST"])
def session_plan(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    if not permissions.can_plan_session(request.user, assembly):
        return error_page(
            request, NotFound(_("Only members of this assembly can plan its sessions."))
        )
    members = [
        (m.user_id, m.user.public_name)
        for m in selectors.members_of(assembly)
        if m.role == "member"
    ]
    suggestions = selectors.facilitator_suggestions(assembly, 3)
    form = SessionPlanForm(
        request.POST or None,
        members=members,
        initial={
            "speaking_seconds": assembly.default_speaking_seconds,
            "facilitators": [c.member for c in suggestions[:1]],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.plan_session(
                request.user,
                assembly,
                title=data["title"],
                starts_at=data["starts_at"],
                visibility=data["visibility"],
                video_url=data["video_url"],
                speaking_seconds=data["speaking_seconds"],
                facilitators=data["facilitators"],
                note_takers=data["note_takers"],
                agenda=data["agenda"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The session is planned."))
            return redirect("session", session_id=session.pk)
    return render(
        request,
        "assembly/session_plan.html",
        {"assembly": assembly, "form": form, "suggestions": suggestions},
    )


def _mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def live_strings() -> dict[str, Any]:
    """The translated words the live screen's script needs (the same msgids as the template)."""
    return {
        "status": {
            "label": _("Session: %(status)s"),
            **{value: str(label) for value, label in SessionStatus.choices},
        },
        "agenda_status": {value: str(label) for value, label in AgendaStatus.choices},
        "kinds": {value: str(label) for value, label in HandKind.choices},
        "floor": _("Floor"),
        "agenda": _("Agenda"),
        "minutes": _("Minutes"),
        "attendance": _("Attendance"),
        "tasks": _("Tasks"),
        "connecting": _("Connecting…"),
        "connected": _("Connected. Changes appear by themselves."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "error": _("Something went wrong. Nothing was changed."),
        "speaker": _("%(name)s is speaking"),
        "no_speaker": _("No one is speaking now."),
        "time_left": _("Time left: %(time)s"),
        "time_up": _("Time is up"),
        "last_minute": _("One minute left"),
        "timer_off": _("The timer is not running."),
        "queue_heading": _("Speaker queue (%(count)s)"),
        "queue_empty": _("No one is waiting to speak"),
        "moved": _("moved by a facilitator"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "raise": _("Raise your hand"),
        "raise_what": _("What would you like to do?"),
        "lower": _("Lower your hand"),
        "you_next": _("You are next"),
        "your_turn": _("It's your turn"),
        "your_place": _("Your place in the queue: %(position)s"),
        "watching": _("You are watching only"),
        "not_live": _("You can ask to speak while the session is live."),
        "present": _("Present: %(present)s"),
        "nobody_present": _("No one has checked in yet."),
        "check_in": _("I'm here"),
        "totals_empty": _("No one has spoken yet."),
        "person": _("Person"),
        "speaking_time": _("Speaking time"),
        "current_item": _("Now on the agenda: %(item)s"),
        "no_current_item": _("Nothing is on the agenda now."),
        "agenda_empty": _("The agenda is empty."),
        "open_item": _("Open this item"),
        "remove": _("Remove"),
        "budget": [
            ngettext("%(minutes)s minute", "%(minutes)s minutes", 1),
            ngettext("%(minutes)s minute", "%(minutes)s minutes", 2),
        ],
        "add_item": _("Add item"),
        "proposal": _("Proposal"),
        "bring": _("Bring to a decision"),
        "followup_review": _("Follow-up to review"),
        "record_review": _("Decision to review"),
        "overdue": _("overdue"),
        "ready": _("ready"),
        "title": _("Title"),
        "budget_label": _("Time budget (minutes)"),
        "minutes_for": _("Minutes: %(item)s"),
        "no_minutes": _("No minutes yet."),
        "save": _("Save"),
        "saved": _("Saved"),
        "start": _("Start the session"),
        "resume": _("Resume the session"),
        "adjourn": _("Adjourn"),
        "close": _("Close the session"),
        "next": _("Next speaker"),
        "seconds": _("Seconds"),
        "timer_start": _("Start timer"),
        "timer_stop": _("Stop timer"),
        "facilitation": _("Facilitation"),
        "facilitators": _("Facilitators: %(names)s"),
        "note_takers": _("Note-takers: %(names)s"),
        "nobody": _("no one yet"),
        "volunteer_facilitator": _("Volunteer as facilitator"),
        "volunteer_note_taker": _("Volunteer as note-taker"),
        "member_n": _("Member %(id)s"),
        # The largest values the forms take (the services refuse more).
        "limits": {"timer": MAX_TIMER_SECONDS, "round": MAX_ROUND_SECONDS},
        "d": voting_presenters.live_strings(),
    }


def _can(actions: dict[str, list[str]], role: str) -> dict[str, bool]:
    """A role's allowed commands as template flags (``hand.raise`` → ``hand_raise``)."""
    return {command.replace(".", "_"): True for command in actions.get(role, [])}


def _live_context(session: Any, state: dict[str, Any], user: Any = None) -> dict[str, Any]:
    """What the template needs to draw the state without dictionary lookups."""
    role = state["you"]["role"]
    now = timezone.now()
    decision_extras = voting_presenters.live_extras(state["decisions"], user)
    you = state["you"]["member"]
    queue = state["queue"]
    kinds = dict(HandKind.choices)
    names = selectors.people_names(session.pk)
    for entry in queue["queue"]:
        names[str(entry["member"])] = entry["name"]
    if queue["speaker"]:
        names[str(queue["speaker"]["member"])] = queue["speaker"]["name"]

    def name(pk: int) -> str:
        return names.get(str(pk)) or _("Member %(id)s") % {"id": pk}

    totals = {int(k): float(v) for k, v in queue["totals"].items()}
    speaker = queue["speaker"]
    started = _parse_iso(speaker["started_at"]) if speaker else None
    if speaker and started:
        totals[speaker["member"]] = (
            totals.get(speaker["member"], 0) + (now - started).total_seconds()
        )
    ends_at = _parse_iso(queue["timer"]["ends_at"])
    timer_left = None if ends_at is None else (ends_at - now).total_seconds()
    position = next((i for i, e in enumerate(queue["queue"]) if e["member"] == you), None)
    return {
        # The state carries ids only: the screen takes the names from here.
        "names": names,
        "queue_rows": [
            {**entry, "kind_label": kinds.get(entry["kind"], entry["kind"])}
            for entry in queue["queue"]
        ],
        "queue_count": len(queue["queue"]),
        "speaker_kind": kinds.get(speaker["kind"], "") if speaker else "",
        "timer_left": None if timer_left is None else _mmss(math.ceil(timer_left)),
        "timer_over": timer_left is not None and timer_left <= 0,
        "my_position": None if position is None else position + 1,
        "present_people": [(pk, name(pk)) for pk in state["present"]],
        "is_present": you in state["present"],
        "totals_rows": [
            {"member": pk, "name": name(pk), "time": _mmss(seconds)}
            for pk, seconds in sorted(totals.items(), key=lambda kv: (-kv[1], name(kv[0])))
        ],
        "facilitator_names": [name(pk) for pk in state["facilitators"]],
        "note_taker_names": [name(pk) for pk in state["note_takers"]],
        "is_facilitator_task": you in state["facilitators"],
        "is_note_taker_task": you in state["note_takers"],
        # What the reader may do, from the state's actions (the gates'): ``can.hand_raise``.
        "can": _can(state["session"]["actions"], role),
        "agenda_rows": [
            {
                **item,
                "status_label": dict(AgendaStatus.choices).get(item["status"], ""),
                "first": index == 0,
                "last": index == len(state["agenda"]) - 1,
                "can": _can(item["actions"], role),
            }
            for index, item in enumerate(state["agenda"])
        ],
        "status_label": SessionStatus(session.status).label,
        "live_strings": live_strings(),
        "decision_rows": voting_presenters.live_rows(
            state["decisions"], decision_extras, state["you"], now
        ),
        "decision_extras": decision_extras,
        "proposal_live": live_panel(state, user),
    }


def session_live(request: HttpRequest, session_id: int) -> HttpResponse:
    """The live page. Opening it checks a member in while the session is open."""
    try:
        session = permissions.get_session_for_user(request.user, session_id)
    except ServiceError as exc:
        return error_page(request, exc)
    if session.status != SessionStatus.CLOSED and permissions.can_take_part(request.user, session):
        services.check_in(request.user, session.pk)
    state = selectors.session_state(session, request.user)
    return render(
        request,
        "assembly/session_live.html",
        {
            "session": session,
            "state": state,
            "hand_kinds": HandKind.choices,
            "my_hand": next(
                (e for e in state["queue"]["queue"] if e["member"] == state["you"]["member"]),
                None,
            ),
            "current": next((i for i in state["agenda"] if i["id"] == state["current_item"]), None),
            "agenda_proposals": selectors.agenda_proposals(session)
            if state["you"]["facilitator"]
            else [],
            "agenda_reviews": selectors.agenda_reviews(session)
            if state["you"]["facilitator"]
            else {"followups": [], "records": []},
            "now": timezone.now(),
            "tasks": Task,
            **_live_context(session, state, request.user),
        },
    )


TRUE = {"1", "true", "on", "yes"}


def _form_value(spec: protocol.Field, post: Any, key: str) -> Any:
    """One command field from a plain form, as the socket would send it.

    Numbers and true/false come as text; a list comes as several inputs of one name
    (empty ones left out); an empty optional field counts as not given.
    """
    inner = spec.inner if isinstance(spec, protocol.Optional) else spec
    if isinstance(inner, protocol.StringList):
        return [v for v in post.getlist(key) if v]
    raw = post[key]
    if isinstance(inner, protocol.Boolean):
        return raw.strip().lower() in TRUE
    if isinstance(inner, protocol.Integer):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def _form_data(command: protocol.Command, post: Any) -> dict[str, Any]:
    data = {}
    for key, spec in command.fields.items():
        if key not in post:
            continue
        value = _form_value(spec, post, key)
        if not spec.required and value in ("", []):
            continue  # left empty: the field's default
        data[key] = value
    return data


@require_POST
def session_command(request: HttpRequest, session_id: int) -> HttpResponse:
    """The page's forms: the same commands as the socket, through the same services."""
    default = reverse("session", args=[session_id])
    command = protocol.REGISTRY.get(request.POST.get("type", ""))
    if command is None:
        messages.error(request, _("Unknown command."))
        return redirect_back(request, default)
    data = _form_data(command, request.POST)
    try:
        cleaned = protocol.validate(command, data)
        command.handler(protocol.CommandContext(request.user, session_id), cleaned)
    except ServiceError as exc:
        refused(request, exc)
        if request.headers.get("Accept") == "application/json":
            return HttpResponse(status=exc.http_status)
    return redirect_back(request, default)


def _agenda_change(request: HttpRequest, session_id: int) -> str | None:
    """Run one agenda edit; return an error message, or None when it worked."""
    op = request.POST.get("op")
    try:
        if op == "add":
            session = permissions.get_session_for_user(request.user, session_id)
            form = AgendaItemForm(
                request.POST,
                proposals=selectors.agenda_proposals(session),
                reviews=selectors.agenda_reviews(session),
            )
            if not form.is_valid():
                return " ".join(str(error) for errors in form.errors.values() for error in errors)
            services.add_agenda_item(
                request.user,
                session_id,
                form.cleaned_data["title"],
                form.cleaned_data["minutes_budget"],
                proposal_id=form.cleaned_data["proposal"],
                commitment_id=form.cleaned_data["commitment"],
                record_id=form.cleaned_data["record"],
            )
        elif op in {"up", "down", "remove"}:
            item_id = int(request.POST.get("item", "0"))
            if op == "remove":
                services.remove_agenda_item(request.user, session_id, item_id)
            else:
                services.move_agenda_item(
                    request.user, session_id, item_id, -1 if op == "up" else 1
                )
        else:
            return _("Unknown command.")
    except ValueError:
        return _("There is no such agenda item in this session.")
    except ServiceError as exc:
        return str(exc.message)
    return None


@require_POST
def session_agenda(request: HttpRequest, session_id: int) -> HttpResponse:
    """Add, move or remove agenda items (facilitators).

    A plain form gets a redirect back with a message; the live screen's script asks
    for JSON (``Accept: application/json``) and gets ``{"ok", "message"}`` instead.
    """
    error = _agenda_change(request, session_id)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"ok": error is None, "message": error}, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect_back(request, reverse("session", args=[session_id]))


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "language": user.language},
    )
    if request.method == "POST" and form.is_valid():
        services.update_profile(user, **form.cleaned_data)
        translation.activate(user.language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("profile")
        response.set_cookie("django_language", user.language, max_age=ONE_YEAR, samesite="Lax")
        return response
    return render(request, "assembly/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    response = redirect_back(request, reverse("home"))
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("This language is not available; nothing was changed."))
        return response
    if request.user.is_authenticated and language in User.Language.values:
        user = cast(User, request.user)
        services.update_profile(user, display_name=user.display_name, language=language)
    response.set_cookie("django_language", language, max_age=ONE_YEAR, samesite="Lax")
    with translation.override(language):
        # Said on the next page, in its new language, by the status region screen readers read.
        messages.success(
            request,
            _("The language is now %(language)s.")
            % {"language": translation.get_language_info(language)["name_local"]},
        )
    return response


@require_POST
def set_preferences(request: HttpRequest) -> HttpResponse:
    """The header's font-size and contrast buttons; a plain form, so no JavaScript is needed."""
    response = redirect_back(request, reverse("home"))
    font = request.POST.get("font")
    contrast = request.POST.get("contrast")
    current = getattr(request, "reader_font", "m")
    if font in {"smaller", "larger"}:
        index = FONT_SIZES.index(current) + (1 if font == "larger" else -1)
        font = FONT_SIZES[max(0, min(index, len(FONT_SIZES) - 1))]
    if contrast == "toggle":
        contrast = "normal" if getattr(request, "reader_contrast", "normal") == "high" else "high"
    if (font is not None and font not in FONT_SIZES) or (
        contrast is not None and contrast not in CONTRASTS
    ):
        messages.error(request, _("This display setting does not exist; nothing was changed."))
        return response
    if request.user.is_authenticated:
        services.update_display_preferences(
            cast(User, request.user), font_size=font, contrast=contrast
        )
    else:
        if font is not None:
            response.set_cookie(FONT_COOKIE, font, max_age=ONE_YEAR, samesite="Lax")
        if contrast is not None:
            response.set_cookie(CONTRAST_COOKIE, contrast, max_age=ONE_YEAR, samesite="Lax")
    return response
