"""The wire protocol: envelopes, inbound validation and the command registry.

Server frames: ``{"event", "seq", "data"}``; replies: ``{"event": "reply", "seq": null,
"in_response", "ok", "data" | "error"}``. Client frames: ``{"type", "id", "data"}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import date
from typing import Any, ClassVar, Protocol

from django.utils.translation import gettext as _

from common.errors import Invalid, ServiceError, TooLarge

MAX_ID_LENGTH = 100


class Event(Protocol):
    """A typed event: a frozen dataclass with a class-level ``name``."""

    name: ClassVar[str]


def event_payload(event: Any) -> dict[str, Any]:
    if not is_dataclass(event) or isinstance(event, type):
        raise TypeError(f"{event!r} is not an event dataclass")
    return asdict(event)


def encode(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def frame(event_name: str, seq: int | None, data: dict[str, Any]) -> str:
    return encode({"event": event_name, "seq": seq, "data": data})


def event_frame(event: Event, seq: int | None = None) -> str:
    """The frame of a typed event (``seq`` None for the coalesced ones, which carry the
    latest value and no sequence number)."""
    return frame(event.name, seq, event_payload(event))


def reply_ok(in_response: str | None, data: dict[str, Any] | None = None) -> str:
    return encode(
        {"event": "reply", "seq": None, "in_response": in_response, "ok": True, "data": data or {}}
    )


def reply_error(
    in_response: str | None, code: str, message: str, fields: dict[str, Any] | None = None
) -> str:
    return encode(
        {
            "event": "reply",
            "seq": None,
            "in_response": in_response,
            "ok": False,
            "error": {"code": code, "message": message, "fields": fields or {}},
        }
    )


# --- Field validators -----------------------------------------------------------------


class Field:
    required = True

    def clean(self, value: Any) -> Any:
        raise NotImplementedError


@dataclass
class Choice(Field):
    choices: tuple[str, ...]

    def clean(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise ValueError(_("Choose one of: %(choices)s") % {"choices": ", ".join(self.choices)})
        return value


@dataclass
class Integer(Field):
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False

    def clean(self, value: Any) -> int | None:
        if value is None and self.nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("Enter a whole number."))
        if self.minimum is not None and value < self.minimum:
            raise ValueError(_("The smallest allowed value is %(n)s.") % {"n": self.minimum})
        if self.maximum is not None and value > self.maximum:
            raise ValueError(_("The largest allowed value is %(n)s.") % {"n": self.maximum})
        return value


@dataclass
class Text(Field):
    max_length: int
    allow_blank: bool = True

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        if len(value) > self.max_length:
            raise ValueError(
                _("At most %(limit)s characters (you wrote %(count)s).")
                % {"limit": self.max_length, "count": len(value)}
            )
        if not self.allow_blank and not value.strip():
            raise ValueError(_("This field is required."))
        return value


@dataclass
class Boolean(Field):
    def clean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(_("Enter true or false."))
        return value


@dataclass
class StringList(Field):
    max_items: int
    max_length: int

    def clean(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(_("Enter a list of texts."))
        if len(value) > self.max_items:
            raise ValueError(_("At most %(limit)s items.") % {"limit": self.max_items})
        if any(len(v) > self.max_length for v in value):
            raise ValueError(
                _("Each item has at most %(limit)s characters.") % {"limit": self.max_length}
            )
        return list(value)


@dataclass
class Mapping(Field):
    """A flat JSON object: text keys, values that are text, whole numbers, true/false or
    null (a decision's policy; its fields are checked by the service that uses it)."""

    max_keys: int
    max_length: int = 100

    def clean(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError(_("Enter an object."))
        if len(value) > self.max_keys:
            raise ValueError(_("At most %(limit)s items.") % {"limit": self.max_keys})
        for key, item in value.items():
            if len(key) > self.max_length or not (
                item is None or isinstance(item, (str, int, bool))
            ):
                raise ValueError(_("Enter an object."))
            if isinstance(item, str) and len(item) > self.max_length:
                raise ValueError(
                    _("Each item has at most %(limit)s characters.") % {"limit": self.max_length}
                )
        return dict(value)


@dataclass
class Records(Field):
    """A list of objects, each with the given fields (those not given take their default)."""

    fields: dict[str, Field]
    max_items: int

    def clean(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(_("Enter a list of objects."))
        if len(value) > self.max_items:
            raise ValueError(_("At most %(limit)s items.") % {"limit": self.max_items})
        cleaned = []
        for item in value:
            unknown = set(item) - set(self.fields)
            if unknown:
                raise ValueError(_("Unknown field."))
            row: dict[str, Any] = {}
            for key, spec in self.fields.items():
                if key in item:
                    row[key] = spec.clean(item[key])
                elif spec.required:
                    raise ValueError(_("This field is required."))
                else:
                    row[key] = getattr(spec, "default", None)
            cleaned.append(row)
        return cleaned


@dataclass
class OptionalDate(Field):
    def clean(self, value: Any) -> date | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


@dataclass
class Optional(Field):
    inner: Field
    default: Any = None
    required: bool = False

    def clean(self, value: Any) -> Any:
        return self.inner.clean(value)


# --- Commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, on which session socket."""

    user: Any
    session_id: int
    #: the sender's language, for a handler that answers several senders at once
    language: str | None = None


Handler = Callable[[CommandContext, dict[str, Any]], dict[str, Any] | None]
#: Runs many calls of one command at once; returns, in order, each call's result or error.
BatchHandler = Callable[
    [list[tuple[CommandContext, dict[str, Any]]]], list[dict[str, Any] | ServiceError | None]
]


@dataclass(frozen=True)
class Command:
    type: str
    handler: Handler
    fields: dict[str, Field] = field(default_factory=dict)
    #: touches the database (every command does today; kept for clarity)
    needs_db: bool = True
    #: when set, calls that arrive together (a vote storm) run as one batch
    batch: BatchHandler | None = None


REGISTRY: dict[str, Command] = {}


def command(type_: str, **fields: Field) -> Callable[[Handler], Handler]:
    """Register a WebSocket command: ``@command("hand.raise", kind=Choice(...))``."""

    def decorator(handler: Handler) -> Handler:
        if type_ in REGISTRY:
            raise RuntimeError(f"command {type_} registered twice")
        REGISTRY[type_] = Command(type_, handler, dict(fields))
        return handler

    return decorator


def batch(type_: str) -> Callable[[BatchHandler], BatchHandler]:
    """Give a registered command a batch form: ``@batch("stance.cast")``. The batch must
    give each call exactly what the single handler would give it alone."""

    def decorator(handler: BatchHandler) -> BatchHandler:
        REGISTRY[type_] = replace(REGISTRY[type_], batch=handler)
        return handler

    return decorator


@dataclass(frozen=True)
class Inbound:
    type: str
    id: str
    data: dict[str, Any]


#: Arrays and objects nested deeper than this are refused before parsing, so that the
#: answer never depends on how much stack the parser happens to have.
MAX_DEPTH = 64


def too_deep(text: str) -> bool:
    """Whether the JSON text nests arrays and objects more than ``MAX_DEPTH`` deep
    (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # the common case, at the cost of two counts in C
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_frame(text: str | None, max_bytes: int) -> Inbound:
    """Parse one client frame. Raises :class:`TooLarge` or :class:`Invalid`."""
    if text is None:
        raise Invalid(_("Frames must be JSON text."))
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise TooLarge(
            _("The message is too large (at most %(limit)s bytes).") % {"limit": max_bytes}
        )
    if too_deep(text):
        raise Invalid(
            _("The message is nested too deeply (at most %(limit)s levels).") % {"limit": MAX_DEPTH}
        )
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise Invalid(_("The message is not valid JSON.")) from None
    if not isinstance(obj, dict):
        raise Invalid(_("The message must be a JSON object."))
    frame_id = obj.get("id")
    if not isinstance(frame_id, str) or not frame_id or len(frame_id) > MAX_ID_LENGTH:
        raise Invalid(
            _('Every command needs an "id" string of at most %(limit)s characters.')
            % {"limit": MAX_ID_LENGTH},
            {"id": _("Required.")},
        )
    type_ = obj.get("type")
    data = obj.get("data", {})
    inbound = Inbound(type=type_ if isinstance(type_, str) else "", id=frame_id, data={})
    if not isinstance(type_, str) or type_ not in REGISTRY:
        raise InvalidFor(inbound, _("Unknown command."), {"type": _("Unknown command.")})
    if not isinstance(data, dict):
        raise InvalidFor(inbound, _('"data" must be an object.'), {"data": _("Invalid.")})
    return Inbound(type=type_, id=frame_id, data=data)


def _reject_constant(name: str) -> float:
    raise ValueError(name)


class InvalidFor(Invalid):
    """An invalid frame whose ``id`` is known, so the reply can name it."""

    def __init__(self, inbound: Inbound, message: Any, fields: dict[str, Any] | None = None):
        super().__init__(message, fields)
        self.inbound = inbound


def validate(command: Command, data: dict[str, Any]) -> dict[str, Any]:
    """Check ``data`` against the command's fields; unknown keys are refused."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in command.fields:
            errors[key] = _("Unknown field.")
    for key, spec in command.fields.items():
        if key not in data:
            if spec.required:
                errors[key] = _("This field is required.")
            else:
                cleaned[key] = getattr(spec, "default", None)
            continue
        try:
            cleaned[key] = spec.clean(data[key])
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    return cleaned
