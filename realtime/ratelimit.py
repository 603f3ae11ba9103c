"""A token bucket, one per socket: ``rate`` commands a second, bursts up to ``burst``."""

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


def member_allows(member_id: int, limit: int, now: float) -> bool:
    """A fixed one-second window per member, shared by all their sockets and processes
    (through the cache: Redis in production)."""
    from django.core.cache import cache

    key = f"ws-rate:{member_id}:{int(now)}"
    cache.add(key, 0, timeout=5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=5)
        count = 1
    return int(count) <= limit
