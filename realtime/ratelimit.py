"""Rate limits of live sockets: a token bucket per socket, a window per member."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, burst: float, now: float) -> TokenBucket:
        return cls(rate=rate, burst=burst, tokens=burst, updated=now)

    def take(self, now: float) -> bool:
        """Take one token at time ``now`` (monotonic seconds); False when empty."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class MemberWindows:
    """A fixed one-second window per member, shared by all their sockets in this process.

    It is kept in the process, on the event loop, so that the check costs no round trip
    and no thread. A member with sockets on N server processes may send up to N times
    the limit in all; each socket is still held to its own bucket.
    """

    def __init__(self) -> None:
        self.second = -1
        self.counts: dict[int, int] = {}

    def allows(self, member_id: int, limit: int, now: float) -> bool:
        second = int(now)
        if second != self.second:  # a new window: forget the last one
            self.second = second
            self.counts = {}
        count = self.counts.get(member_id, 0) + 1
        self.counts[member_id] = count
        return count <= limit


member_windows = MemberWindows()
