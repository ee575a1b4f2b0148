"""Failed logins counted per account, so that guesses from many addresses are slowed down too.

The route's own limit (LOGIN_RATE_LIMIT) counts failed attempts per address. This module adds one
budget per account: LOGIN_ACCOUNT_RATE_LIMIT failures against one email address, from all
addresses together. Once it is used up, that account takes passwords only from addresses it has
been logged in to successfully in the last 30 days; everyone else gets the 429 page until the
window has passed. So a crowd of addresses cannot keep guessing one password, and the owner, at
an address they have used before, is not locked out by someone failing elsewhere. See
docs/deployment.md ("Rate limits").
"""

from flask import current_app

import plenary.ratelimits as ratelimits

#: How long an address stays "known" to an account after a successful login there.
KNOWN_ADDRESS = "1 per 30 days"


def account_key(email: str | None) -> str:
    """The account as the counters know it: the address as typed, trimmed and lower-cased."""
    return (email or "").strip().lower()


def may_try(email: str | None) -> bool:
    """False if this account's failure budget is used up and this address has never logged in to it."""
    account = account_key(email)
    if ratelimits.remaining(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "login-account", account):
        return True
    return ratelimits.used(KNOWN_ADDRESS, "login-known", account, ratelimits.client_address())


def failed(email: str | None) -> None:
    """Count a failed password against the account."""
    ratelimits.spend(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "login-account", account_key(email))


def succeeded(email: str | None) -> None:
    """Remember this address as one the account logs in from."""
    ratelimits.spend(KNOWN_ADDRESS, "login-known", account_key(email), ratelimits.client_address())
