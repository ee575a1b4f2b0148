"""Budgets counted by hand in the limiter's storage, where a route decorator cannot say what counts.

Flask-Limiter's decorators count requests. Some budgets count events inside a request instead: a
registration that is about to be stored, a failed password for one account. They live in the same
storage as the decorators' counters (Redis in production, so every worker process sees them).
"""

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from plenary.extensions import limiter


def _item(limit: str) -> RateLimitItem:
    return parse(limit)


def enabled() -> bool:
    """False when rate limiting is switched off (RATELIMIT_ENABLED, as in most tests)."""
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def client_address() -> str:
    """The address budgets are kept per (the proxy's X-Forwarded-For when TRUSTED_PROXIES says so)."""
    return get_remote_address()


def spend(limit: str, *key: str, cost: int = 1) -> bool:
    """Count ``cost`` uses of ``limit`` for ``key`` atomically; False (and nothing counted) if they do not fit."""
    if not enabled():
        return True
    item = _item(limit)
    # A fixed window counts a refused hit too: ask first, so that a delegation too large for what is left does not
    # use up the rest. The hit alone decides (atomically) when parallel requests both passed the question.
    strategy = limiter.limiter
    return strategy.test(item, "plenary", *key, cost=cost) and strategy.hit(item, "plenary", *key, cost=cost)


def remaining(limit: str, *key: str) -> bool:
    """True if ``key`` has budget left under ``limit``; counts nothing."""
    if not enabled():
        return True
    return limiter.limiter.test(_item(limit), "plenary", *key)


def used(limit: str, *key: str) -> bool:
    """True if ``key`` has been counted at least once in the current window of ``limit``."""
    if not enabled():
        return False
    item = _item(limit)
    return limiter.limiter.get_window_stats(item, "plenary", *key).remaining < item.amount
