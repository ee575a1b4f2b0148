"""Plenary: the web app with which the ISA runs its plenary assemblies."""

import logging
import os

import click
from flask import Flask, has_request_context, render_template, request, session
from flask.logging import default_handler
from flask_login import current_user
from limits import parse
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# plenary.models first (isort keeps it there): every model class exists before an area configures the mappers.
from plenary import (
    errors,
    extensions,
    formatting,
    headers,
    health,
    hyphenation,
    i18n,
    labels,
    models,
    page_cache,
    storage,
    validation,
    wording,
)
from plenary.admin import (
    accounts,
    agenda,
    attendance_corrections,
    audit,
    content,
    messages,
    organizer_notice,
    plenaries,
    registration_bulk,
    registration_exports,
    registration_import,
    registrations,
    statistics,
)
from plenary.admin import views as admin_views
from plenary.admin.blueprint import bp as admin_bp
from plenary.api.views import bp as api_bp
from plenary.api.views import is_api_request, json_error
from plenary.auth.access import configure_login
from plenary.auth.views import bp as auth_bp
from plenary.badges import views as badge_views
from plenary.calendar.ical import add_to_calendar_links
from plenary.calendar.views import bp as calendar_bp
from plenary.certificates import cli as certificates_cli  # noqa: F401  (adds `flask documents certificate`)
from plenary.certificates import views as certificate_views
from plenary.checkin import views as checkin_views
from plenary.cli import register_commands
from plenary.compression import register_compression
from plenary.config import DEFAULT_TIMEZONE, KEY_FILES, load_config
from plenary.cookies import SessionInterface
from plenary.documents import services as documents
from plenary.documents.labels import WITHDRAWN_REASONS
from plenary.documents.views import bp as documents_bp
from plenary.events.views import bp as events_bp
from plenary.followup import admin_views as followup_admin
from plenary.followup import views as followup_views
from plenary.join.views import bp as join_bp
from plenary.mail.hooks import deliver_after_response
from plenary.main.views import bp as main_bp
from plenary.members.views import bp as members_bp
from plenary.news.views import bp as news_bp
from plenary.questions import admin_views as question_admin
from plenary.questions.views import bp as questions_bp
from plenary.redaction import PersonalLinkFilter
from plenary.registration import delegation_views, email_views
from plenary.registration.mail_values import install_mail_values
from plenary.registration.views import bp as registration_bp
from plenary.reminders import admin_views as reminder_admin
from plenary.sqlite import configure_sqlite
from plenary.static_files import register_static_files
from plenary.survey import admin_views as survey_admin
from plenary.survey.views import bp as survey_bp
from plenary.unit_of_work import register_unit_of_work_check
from plenary.visa import admin_views as visa_admin
from plenary.visa.views import bp as visa_bp

#: The back office's areas: each adds its routes to ``admin_bp`` when imported, before ``admin_bp`` is registered.
ADMIN_AREAS = (admin_views, accounts, agenda, audit, content, messages, plenaries, registrations, statistics,
               checkin_views, registration_exports, registration_bulk, organizer_notice,
               registration_import, question_admin, badge_views, visa_admin, reminder_admin,
               attendance_corrections, followup_admin,
               survey_admin)  # fmt: skip

#: Pages that add their routes to ``registration_bp`` when imported (views.py keeps under 400 lines).
REGISTRATION_PAGES = (delegation_views, email_views, certificate_views, followup_views)

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure the application (``instance_path`` defaults to ./instance)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not (app.debug or app.testing) and "127.0.0.1" in app.config["PUBLIC_URL"]:
        app.logger.warning(
            "FLASK_PUBLIC_URL is %s: links in mails and calendars will point to this machine. "
            "Set it to the site's public address in production.",
            app.config["PUBLIC_URL"],
        )
    warn_about_per_process_limits(app)
    warn_about_shared_services_on_sqlite(app)
    warn_about_registration_budget(app)
    page_cache.register(app)  # first: its after_request hook runs last and sees the final answer
    register_request_limits(app)  # before the extensions: CSRF protection reads the body in its own hook
    register_compression(app)  # the first after_request hook added is the last run: it sees the finished answer
    register_extensions(app)
    models.register_models()
    configure_routing(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_input_checks(app)  # after the language is chosen: the refusal is in the visitor's language
    register_errors(app)
    storage.validate(app)
    register_security_headers(app)
    register_static_files(app)
    register_unit_of_work_check(app)
    register_cli(app)
    page_cache.wrap(app)  # answers cached pages before Flask runs
    register_proxy_fix(app)
    warn_about_key_files(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Behind a TLS proxy: take scheme, host and client address from its X-Forwarded-* headers (outermost)."""
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def warn_about_key_files(app: Flask) -> None:
    """Outside debug and testing, say that keys read from the instance folder must be the same on every server.

    With several app servers (and workers) behind a load balancer, a session cookie or personal link signed by one
    must open on all, and passport data encrypted by one must be readable by all: FLASK_SECRET_KEY and
    FLASK_VISA_KEY belong in every server's environment, with the same values (docs/deployment.md).
    """
    if app.debug or app.testing or click.get_current_context(silent=True) is not None:
        return
    for variable, path in app.extensions.get(KEY_FILES, []):
        app.logger.warning(
            "%s is not set: the key is read from %s, a file on this server only. With several app servers or "
            "workers, set %s to the same value on every one of them (see docs/deployment.md, Scaling out).",
            variable, path, variable,
        )


def warn_about_per_process_limits(app: Flask) -> None:
    """Outside debug and testing, say loudly that memory:// rate limits count in each worker process on its own.

    Under gunicorn (which sets SERVER_SOFTWARE in the environment of its workers) with 4 workers, every limit
    would allow four times its number; production sets FLASK_RATELIMIT_STORAGE_URI=redis://… (docs/deployment.md).
    """
    if app.debug or app.testing or not app.config["RATELIMIT_ENABLED"]:
        return
    if click.get_current_context(silent=True) is not None:
        return  # a flask command (db upgrade, demo, run: one process); the app servers are what the warning is for
    if not str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        return
    server = os.environ.get("SERVER_SOFTWARE", "")
    app.logger.warning(
        "Rate limits are counted in memory (FLASK_RATELIMIT_STORAGE_URI=memory://): each worker process counts on "
        "its own%s, so a limit of 5 allows 5 per worker. Set FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 "
        "(see docs/deployment.md).",
        f" (running under {server})" if "gunicorn" in server.lower() else "",
    )


def warn_about_shared_services_on_sqlite(app: Flask) -> None:
    """Say loudly when this server shares Redis with others but keeps its data in a SQLite file of its own.

    Seen: a misspelt database variable fell back to instance/plenary.sqlite on one app server of a site with
    Redis; it answered and registered into a file nobody read. (Its pages never come from the site's cache: the
    cache key holds the database's address.)
    """
    if app.debug or app.testing or click.get_current_context(silent=True) is not None:
        return
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    # Rate limits in Redis suit one host on SQLite too (its workers share them); a page cache in Redis is for several.
    if str(app.config.get("CACHE_REDIS_URL") or "").startswith(("redis://", "rediss://")):
        app.logger.warning(
            "This server keeps its data in SQLite (%s) but shares Redis (FLASK_CACHE_REDIS_URL) with other servers: "
            "several app servers need one PostgreSQL. Is DATABASE_URL set and spelt right (see docs/deployment.md)?",
            app.config["SQLALCHEMY_DATABASE_URI"],
        )


def warn_about_registration_budget(app: Flask) -> None:
    """Say so when a full delegation (a head and REGISTRATION_MAX_DELEGATES others) can never fit the budget."""
    people = 1 + int(app.config["REGISTRATION_MAX_DELEGATES"])
    if app.config["RATELIMIT_ENABLED"] and parse(app.config["REGISTRATION_RATE_LIMIT"]).amount < people:
        app.logger.warning(
            "FLASK_REGISTRATION_RATE_LIMIT (%s) counts people and holds fewer than a full delegation (%d): such a "
            "delegation can never register.",
            app.config["REGISTRATION_RATE_LIMIT"],
            people,
        )


def register_request_limits(app: Flask) -> None:
    """Bound what one request of a visitor who is not logged in can cost, before anything reads its body."""

    @app.before_request
    def bound_anonymous_requests():
        if request.endpoint != "auth.login" and "_user_id" in session and current_user.is_authenticated:
            return  # back-office staff: document uploads and long texts in three languages
        request.max_content_length = min(app.config["ANONYMOUS_MAX_CONTENT_LENGTH"], app.config["MAX_CONTENT_LENGTH"])
        request.max_form_parts = app.config["ANONYMOUS_MAX_FORM_PARTS"]


def register_extensions(app: Flask) -> None:
    """Bind every extension to ``app``.

    (``plenary.db`` is the module with the model base; the SQLAlchemy object is
    ``plenary.extensions.db`` and is deliberately not imported here to keep the names apart.)
    """
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True, compare_type=True
    )
    extensions.babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=os.path.join(PROJECT_ROOT, "plenary", "translations"),
    )
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    configure_login(extensions.login_manager)
    extensions.limiter.init_app(app)
    # Flask-Limiter says "Rate limit storage unreachable - falling back to in-memory storage" on its own logger,
    # which has only a NullHandler: give it the app's handler, so that the server's log tells the operators.
    limiter_log = logging.getLogger("flask-limiter")
    if default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)
    with app.app_context():
        if extensions.db.engine.dialect.name == "sqlite":
            configure_sqlite(extensions.db.engine)


class DatabaseId(IntegerConverter):
    """``<int:…>`` matches 0 … 2³¹−1 only: a larger number is no match (404), never a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def configure_routing(app: Flask) -> None:
    """Ids in URLs fit a database integer."""
    app.url_map.converters["int"] = DatabaseId


def register_input_checks(app: Flask) -> None:
    """NUL characters and unpaired surrogates never reach a view or the database (400, see plenary.validation).

    The address is checked before every request; form data (urlencoded or multipart) when it is parsed, by
    ``validation.Request``, so that no body is read before a view has set its size limit.
    """
    app.request_class = validation.Request
    app.before_request(validation.refuse_unreadable_address)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area (the back office's areas have added their routes to it: ADMIN_AREAS)."""
    app.register_blueprint(main_bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(calendar_bp)  # before events: /plenaries/<slug>.ics is more specific
    app.register_blueprint(events_bp)
    app.register_blueprint(news_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(visa_bp)  # refuses to start with letters enabled and no key
    app.after_request(deliver_after_response)
    documents.install(app)  # documents follow their registrations, and mails can attach them
    certificate_views.install(app)
    followup_views.install(app)
    install_mail_values(app)  # the outbox asks registrations for tokens, check-in codes, greetings


def register_template_helpers(app: Flask) -> None:
    """Expose language helpers and formatters to every template."""
    app.before_request(i18n.reset_language)
    app.after_request(i18n.remember_language)
    app.add_template_filter(formatting.render_markdown, "markdown")
    app.add_template_filter(hyphenation.hyphenate_filter, "hyphenate")
    app.add_template_filter(wording.sentences, "sentences")
    app.add_template_filter(wording.items, "items")
    app.jinja_env.globals.update(
        FORMAT_LABELS=labels.FORMAT_LABELS,
        AGENDA_KIND_LABELS=labels.AGENDA_KIND_LABELS,
        HELD_FORMAT_LABELS=labels.HELD_FORMAT_LABELS,
        REGISTRATION_LABELS=labels.REGISTRATION_LABELS,
        ANNOUNCEMENT_KIND_LABELS=labels.ANNOUNCEMENT_KIND_LABELS,
        COUNTRY_LABELS=labels.COUNTRY_LABELS,
        REGISTRATION_STATUS_LABELS=labels.REGISTRATION_STATUS_LABELS,
        ATTENDANCE_LABELS=labels.ATTENDANCE_LABELS,
        ATTENDANCE_CHANNEL_LABELS=labels.ATTENDANCE_CHANNEL_LABELS,
        ATTENDANCE_SOURCE_LABELS=labels.ATTENDANCE_SOURCE_LABELS,
        STATUS_LABELS=labels.STATUS_LABELS,
        ROLE_LABELS=labels.ROLE_LABELS,
        WITHDRAWN_REASONS=WITHDRAWN_REASONS,
        DEFAULT_TIMEZONE=DEFAULT_TIMEZONE,
    )

    @app.context_processor
    def inject_language():
        # Outside requests (mails rendered by CLI commands) the caller passes its own language.
        lang = i18n.current_language() if has_request_context() else app.config["BABEL_DEFAULT_LOCALE"]
        return {
            "lang": lang,
            "html_lang": i18n.HTML_LANG[lang],
            "language_names": i18n.LANGUAGE_NAMES,
            "localize": lambda values: i18n.localize(values, lang),
            "localize_any": lambda value: i18n.localize_any(value, lang),
            "lang_attr": i18n.lang_attr,
            "dual_times": formatting.dual_times,
            "time_ranges": formatting.time_ranges,
            "zoned": formatting.zoned,
            "url_with_lang": i18n.url_with_lang,
            "ordinal": lambda number: formatting.ordinal(number, lang),
            "calendar_links": lambda plenary: add_to_calendar_links(plenary, lang),
        }


def register_errors(app: Flask) -> None:
    """Render error pages in the visitor's language instead of Werkzeug's defaults."""
    # Flask logs an unhandled exception as "Exception on <path>": never with a personal link's token.
    app.logger.addFilter(PersonalLinkFilter())

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            # A failed statement leaves the session unusable; the page (its navigation, the login) reads again.
            extensions.db.session.rollback()
        if is_api_request():
            # Errors no API view saw (a method no route takes, /api/ outside v1): still the API's JSON.
            return json_error(error)
        if request.path.endswith((".atom", ".json")):
            return {"error": getattr(error, "name", "Error"), "status": code}, code
        headers = {}
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        message = getattr(error, "page_message", None)  # a specific explanation (plenary.validation)
        return render_template("errors/error.html", code=code, message=message), code, headers

    for code in (400, 403, 404, 405, 409, 429, 500):
        app.register_error_handler(code, render_error)
    # Every other HTTP error (414, 431, 501 …) too: in the API as JSON, on pages in the visitor's language.
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(413, errors.too_large)


def register_security_headers(app: Flask) -> None:
    """Send the security headers of plenary.headers (no-store on private pages); Secure cookies over HTTPS."""
    app.session_interface = SessionInterface()
    app.after_request(headers.add_security_headers)


def register_cli(app: Flask) -> None:
    """Add the project's flask commands."""
    register_commands(app)
