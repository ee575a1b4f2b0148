"""Configuration: defaults, then FLASK_* environment variables, then test overrides."""

import os
import secrets

from flask import Flask

from plenary.i18n import LANGUAGES

#: app.extensions key: the keys read from files in the instance folder, [(variable, file)] (warned about at start).
KEY_FILES = "plenary_key_files"

#: The alliance's home zone: a new plenary's zone, the back office's times, the default for display.
DEFAULT_TIMEZONE = "Europe/Berlin"


def default_config(app: Flask) -> dict:
    """Return the built-in defaults; every key can be overridden by a FLASK_ variable."""
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(app.instance_path, "plenary.sqlite"),
        # hide_parameters: an error must not write people's names and addresses into the log.
        # query_cache_size: SQLAlchemy keeps each distinct statement compiled (500 by default, up to 750); one of the
        # registrations list's, with its joins, weighs hundreds of KB and every combination of filters and sort is
        # one: a worker grew by 12 % from its 1,000th to its 10,000th request. 100 (at most 150) bounds that; a
        # statement compiled again costs a few ms (bench/memory.py, docs/benchmarks.md).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True, "query_cache_size": 100},
        # The registration form may stay open a long while (a delegation takes time to type).
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "ORGANIZATION_NAME": "Chinesisch-Deutsche Industriestädteallianz (ISA)",
        "CONTACT_EMAIL": "info@isa-alliance.example",
        # The legal notice (Impressum) and the privacy notice's operator details (plenary/legal.py): one JSON object
        # each, or FLASK_IMPRINT_<KEY> / FLASK_PRIVACY_<KEY>; what is not set shows the alliance's marked placeholder.
        "IMPRINT": {},
        "PRIVACY": {},
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": DEFAULT_TIMEZONE,
        "LANGUAGES": LANGUAGES,
        "LANGUAGE_COOKIE": "plenary_lang",
        "LANGUAGE_COOKIE_MAX_AGE": 365 * 24 * 3600,
        "NEWS_PER_PAGE": 10,
        # Registration
        # People registered per client address (counted just before storing: a form with mistakes costs nothing;
        # a head with 20 delegates counts 21, so the budget must hold 1 + REGISTRATION_MAX_DELEGATES).
        "REGISTRATION_RATE_LIMIT": "30 per 10 minutes",
        # Every POST of the sign-up form per address: adding/removing delegate rows, corrections, submissions.
        "REGISTRATION_FORM_RATE_LIMIT": "60 per minute",
        # POSTs on personal registration pages (edit, attendance, cancel, register again, erase) per address.
        "REGISTRATION_PERSONAL_RATE_LIMIT": "30 per minute",
        "REGISTRATION_MAX_DELEGATES": 20,
        # How long the link that confirms a new email address (sent to that address) works, in seconds.
        "REGISTRATION_EMAIL_CHANGE_MAX_AGE": 24 * 3600,
        # Agenda documents (PDF) uploaded in the back office: the largest accepted file, in bytes (a larger one
        # gets a clear message). MAX_CONTENT_LENGTH (every request body) defaults to this plus 1 MB.
        "DOCUMENT_MAX_BYTES": 20 * 1024 * 1024,
        # Where uploads and built files live (plenary/storage/): "database" (the table stored_file, the embedded
        # default) or "s3" (an S3-compatible bucket: AWS, MinIO, Ceph …; empty keys/region: boto3's own chain).
        "STORAGE_BACKEND": "database",
        "STORAGE_S3_BUCKET": "",
        "STORAGE_S3_ENDPOINT_URL": "",
        "STORAGE_S3_REGION": "",
        "STORAGE_S3_ACCESS_KEY_ID": "",
        "STORAGE_S3_SECRET_ACCESS_KEY": "",
        "STORAGE_S3_PREFIX": "",
        # /healthz answers 503 when a message has been due this many minutes and no worker holds it.
        "HEALTH_OUTBOX_STALL_MINUTES": 15,
        # Verification pages of documents (/verify/<code>) per client address: codes are unguessable, this
        # only keeps anyone from trying.
        "DOCUMENT_VERIFY_RATE_LIMIT": "30 per minute",
        # Personal join links (/join/<token>): how many minutes before the start they lead into the meeting (before
        # that: a waiting page), and how often one client address may open join links.
        "JOIN_OPENS_MINUTES_BEFORE": 30,
        "JOIN_RATE_LIMIT": "30 per minute",
        "ORGANIZER_MAIL_LANGUAGE": "de",
        # The local hour (plenary's zone) from which the organizers' daily digest of new registrations goes out.
        "ORGANIZER_DIGEST_HOUR": 7,
        # Calendar invitations: ORGANIZER (a mailbox that is read: replies go there; default CONTACT_EMAIL).
        "CALENDAR_ORGANIZER_EMAIL": None,
        "CALENDAR_ORGANIZER_NAME": "ISA Plenary",
        "CALENDAR_REFRESH_HOURS": 12,
        "RATELIMIT_ENABLED": True,
        # memory:// counts in each process on its own: production (several workers) needs redis://… (see docs).
        "RATELIMIT_STORAGE_URI": "memory://",
        # Redis unreachable: each process counts in its own memory until it is back (logged), never a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A Redis that hangs (accepts, never answers) costs a request a quarter of a second, not the OS's timeout.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        # Requests of visitors who are not logged in (public forms, the login page): the largest body in bytes and
        # the most multipart parts, checked before anything reads the body (a full sign-up form in Chinese: < 160 kB).
        "ANONYMOUS_MAX_CONTENT_LENGTH": 256 * 1024,
        "ANONYMOUS_MAX_FORM_PARTS": 500,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Mail: with no MAIL_SERVER, messages are written as .eml files to MAIL_FILE_DIR.
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": "ISA Plenary <plenary@isa-alliance.example>",
        # The From display name per language of the message (JSON in FLASK_MAIL_SENDER_NAMES); the address stays
        # MAIL_DEFAULT_SENDER's, whose own display name serves a language missing here.
        "MAIL_SENDER_NAMES": {"de": "ISA Plenarversammlung", "en": "ISA Plenary Assembly",
                              "zh": "中德工业城市联盟全体大会"},  # fmt: skip
        "MAIL_FILE_DIR": os.path.join(app.instance_path, "mail"),
        "MAIL_TIMEOUT": 20,
        # Off: the web worker only stores a request's messages and the worker sends them (woken at once on
        # PostgreSQL, or polling every OUTBOX_POLL_SECONDS); on: a thread of the web worker also tries them.
        "OUTBOX_DELIVER_AFTER_REQUEST": False,
        "OUTBOX_POLL_SECONDS": 1.0,
        # On: a registration's messages (and their calendar) are written by the worker when it first sends them
        # (plenary.mail.deferred), not in the request; off: rendered in the request, as every other message is.
        "OUTBOX_RENDER_AT_DELIVERY": True,
        "OUTBOX_MAX_ATTEMPTS": 12,
        # How long a worker's claim on the message it sends lasts: a killed worker's message is sent again this
        # long after (plus one --interval). One SMTP exchange ends within 4/5 of it (and MAIL_TIMEOUT).
        "OUTBOX_LEASE_SECONDS": 45,
        # Sent messages keep their texts and addresses (personal data) this many days, then the worker deletes them.
        "OUTBOX_PRUNE_AFTER_DAYS": 90,
        # Anonymise a plenary's registrations this many days after it ended (the worker; None: only by
        # `flask registrations purge`). Off by default: erasing is irreversible, and when is the organizers' call.
        "REGISTRATION_RETENTION_DAYS": None,
        # Certificates of attendance (plenary/certificates): who signs them, and the follow-up mail that carries
        # them this many hours after a plenary's end (for plenaries that ended at most FOLLOW_UP_WITHIN_DAYS ago).
        "CERTIFICATE_SIGNATORY_NAME": "Yi Liu",
        "CERTIFICATE_SIGNATORY_TITLE": {"de": "Generalsekretär der ISA", "en": "Secretary General of the ISA",
                                        "zh": "中德工业城市联盟秘书长"},  # fmt: skip
        "FOLLOW_UP_HOURS": 12,
        "FOLLOW_UP_WITHIN_DAYS": 14,
        # Visa invitation letters (plenary/visa/): off everywhere unless True; then VISA_KEY (a Fernet key, which
        # encrypts the passport data) must be set, or the app refuses to start. Passport data is deleted this many
        # days after the plenary's end.
        # A person is reminded of unanswered follow-up questions at most once in this many hours (plenary/questions).
        "QUESTIONS_REMINDER_GAP_HOURS": 12,
        "VISA_LETTERS": False,
        "VISA_KEY": None,
        "VISA_RETENTION_DAYS": 30,
        "SESSION_COOKIE_HTTPONLY": True,
        # Cookies are Secure on HTTPS requests (behind a proxy: with TRUSTED_PROXIES); True makes them Secure always.
        "SESSION_COOKIE_SECURE": False,
        # Back-office sessions end this many seconds after the login (8 hours), however active; after
        # SESSION_IDLE_TIMEOUT seconds without a request (2 hours); on logout; and when the account's password,
        # role or active flag changes (plenary/auth/sessions.py).
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "SESSION_IDLE_TIMEOUT": 2 * 3600,
        # Strict-Transport-Security on HTTPS responses: max-age in seconds (1 year); 0 sends no header.
        "HSTS_MAX_AGE": 365 * 24 * 3600,
        # Failed logins per client address; then per account from all addresses together (once used up, the account
        # takes passwords only from addresses it has logged in from before; see docs/deployment.md).
        "LOGIN_RATE_LIMIT": "5 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "20 per hour",
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust (0 = none).
        "TRUSTED_PROXIES": 0,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The page cache (plenary/page_cache): public pages, calendars and API answers, shared by all workers.
        # CACHE_REDIS_URL (redis://…) shares it between servers; without it a folder in the instance folder
        # (CACHE_DIR) serves the workers of one machine. CACHE_TYPE overrides (NullCache: no page cache).
        "CACHE_TYPE": None,
        "CACHE_REDIS_URL": None,
        "CACHE_DIR": os.path.join(app.instance_path, "page-cache"),
        "CACHE_KEY_PREFIX": "plenary:",
        "CACHE_NO_NULL_WARNING": True,  # NullCache is how the page cache is switched off: no warning needed
        # Entries at most in the FileSystemCache (older ones are pruned) and how long one lives at most, in seconds
        # (also the bound on a stale page should a process die between a commit and the version's bump).
        "CACHE_THRESHOLD": 20000,
        "PAGE_CACHE_TIMEOUT": 300,
    }


def normalise_database_url(url: str) -> str:
    """Map postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config``, in that order."""
    app.config.from_mapping(default_config(app))
    app.config.from_prefixed_env()
    # DATABASE_URL is what hosting platforms set; it replaces the embedded default,
    # while an explicit FLASK_SQLALCHEMY_DATABASE_URI still wins over it.
    database_url = os.environ.get("DATABASE_URL")
    if database_url and "FLASK_SQLALCHEMY_DATABASE_URI" not in os.environ:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        # No request body may be larger than the largest document upload plus its form (1 MB): a cap so high
        # that no other form meets it, applied before anything reads the body (also the CSRF check).
        app.config["MAX_CONTENT_LENGTH"] = int(app.config["DOCUMENT_MAX_BYTES"]) + 1024 * 1024
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].rstrip("/")
    if not app.config.get("CACHE_TYPE"):
        app.config["CACHE_TYPE"] = "RedisCache" if app.config.get("CACHE_REDIS_URL") else "FileSystemCache"
    app.config["CACHE_DEFAULT_TIMEOUT"] = int(app.config["PAGE_CACHE_TIMEOUT"])
    if app.config["CACHE_TYPE"] == "RedisCache" and "CACHE_OPTIONS" not in app.config:
        # A Redis that stops answering (a partition, a failover) costs a request a quarter of a second, then the
        # page is rendered without the cache; never a worker hanging until gunicorn kills it.
        app.config["CACHE_OPTIONS"] = {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key_fallback(app)
    # from_prefixed_env parses values as JSON: FLASK_SECRET_KEY=12345 would arrive as an int.
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])


def _secret_key_fallback(app: Flask) -> str:
    """Read instance/secret_key, or use a throw-away key in debug/testing, or refuse to start."""
    key_file = os.path.join(app.instance_path, "secret_key")
    if os.path.exists(key_file):
        with open(key_file, encoding="utf-8") as fh:
            key = fh.read().strip()
        if key:
            app.extensions.setdefault(KEY_FILES, []).append(("FLASK_SECRET_KEY", key_file))
            return key
    if app.debug or app.testing or app.config.get("TESTING"):
        return secrets.token_hex(32)
    raise RuntimeError(
        "No secret key configured. Set FLASK_SECRET_KEY (for example "
        "`export FLASK_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`) "
        f"or write one into {key_file}. Refusing to start without one outside debug mode."
    )
