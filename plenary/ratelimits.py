"""Budgets counted by hand in the limiter's storage, where a route decorator cannot say what counts.

Flask-Limiter's decorators count requests. Some budgets count events inside a request instead: a
registration that is about to be stored, a failed password for one account. They live in the same
storage as the decorators' counters (Redis in production, so every worker process sees them).
"""

import logging

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from plenary.extensions import limiter

log = logging.getLogger(__name__)

#: This process's own counters, used while the shared storage (Redis) cannot be reached.
_memory = {}


def _call(method: str, *args, **kwargs):
    """``limiter.limiter.<method>(...)``; while the storage is unreachable, the same on this process's memory.

    A Redis outage then loosens the budgets (each process counts alone, as Flask-Limiter's own fallback does for
    the decorators: RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) instead of refusing every registration with a 500.
    """
    strategy = limiter.limiter
    try:
        return getattr(strategy, method)(*args, **kwargs)
    except Exception:  # the storage's connection errors (redis.ConnectionError, timeouts): any of them
        log.error("rate limit storage unreachable: counting in this process's memory for now", exc_info=True)
        fallback = _memory.get(type(strategy))
        if fallback is None:
            fallback = _memory[type(strategy)] = type(strategy)(MemoryStorage())
        return getattr(fallback, method)(*args, **kwargs)


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
    return _call("test", item, "plenary", *key, cost=cost) and _call("hit", item, "plenary", *key, cost=cost)


def remaining(limit: str, *key: str) -> bool:
    """True if ``key`` has budget left under ``limit``; counts nothing."""
    if not enabled():
        return True
    return _call("test", _item(limit), "plenary", *key)


def used(limit: str, *key: str) -> bool:
    """True if ``key`` has been counted at least once in the current window of ``limit``."""
    if not enabled():
        return False
    item = _item(limit)
    return _call("get_window_stats", item, "plenary", *key).remaining < item.amount
