"""The only place that names channel-layer groups."""


def session_group(session_id: int) -> str:
    return f"session.{session_id}"
