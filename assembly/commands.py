"""WebSocket commands of live sessions, each mapped to one service."""

from __future__ import annotations

from typing import Any

from assembly import services
from assembly.models import HandKind, Task
from realtime.protocol import Choice, CommandContext, Integer, Text, command

MAX_MINUTES_LENGTH = 100_000


def _seq(seq: int) -> dict[str, Any]:
    return {"seq": seq}


@command("hand.raise", kind=Choice(tuple(HandKind.values)))
def hand_raise(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.raise_hand(ctx.user, ctx.session_id, data["kind"]))


@command("hand.lower")
def hand_lower(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.lower_hand(ctx.user, ctx.session_id))


@command("session.start")
def session_start(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.start_session(ctx.user, ctx.session_id))


@command("session.adjourn")
def session_adjourn(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.adjourn_session(ctx.user, ctx.session_id))


@command("session.close")
def session_close(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.close_session(ctx.user, ctx.session_id))


@command("agenda.open", item=Integer(minimum=1))
def agenda_open(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.open_agenda_item(ctx.user, ctx.session_id, data["item"]))


@command("queue.next")
def queue_next(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.next_speaker(ctx.user, ctx.session_id))


@command("queue.move", member=Integer(minimum=1), position=Integer(minimum=0, maximum=10_000))
def queue_move(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.move_hand(ctx.user, ctx.session_id, data["member"], data["position"]))


@command("timer.start", seconds=Integer(minimum=1, maximum=services.MAX_TIMER_SECONDS))
def timer_start(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.start_timer(ctx.user, ctx.session_id, data["seconds"]))


@command("timer.stop")
def timer_stop(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.stop_timer(ctx.user, ctx.session_id))


@command("minutes.save", item=Integer(minimum=1), text=Text(max_length=MAX_MINUTES_LENGTH))
def minutes_save(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.save_minutes(ctx.user, ctx.session_id, data["item"], data["text"]))


@command("attendance.check_in")
def attendance_check_in(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"new": services.check_in(ctx.user, ctx.session_id)}


@command("task.volunteer", task=Choice(tuple(Task.values)))
def task_volunteer(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return _seq(services.volunteer(ctx.user, ctx.session_id, data["task"]))
