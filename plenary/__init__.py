"""Plenary: the web app with which the ISA runs its plenary assemblies."""

import os

import click
from flask import Flask, has_request_context, render_template, request, session
from flask_login import current_user
from limits import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from plenary import extensions
from plenary.config import load_config
from plenary.unit_of_work import register_unit_of_work_check

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
            "Set it to the site's public address in production.", app.config["PUBLIC_URL"]
        )
    if app.config["TRUSTED_PROXIES"]:
        # Behind a TLS proxy: take scheme, host and client address from its X-Forwarded-* headers.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    warn_about_per_process_limits(app)
    warn_about_registration_budget(app)
    register_request_limits(app)  # before the extensions: CSRF protection reads the body in its own hook
    register_extensions(app)
    register_models()
    configure_routing(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_input_checks(app)  # after the language is chosen: the refusal is in the visitor's language
    register_errors(app)
    register_security_headers(app)
    register_unit_of_work_check(app)
    register_cli(app)
    return app


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
        "(see docs/deployment.md).", f" (running under {server})" if "gunicorn" in server.lower() else ""
    )


def warn_about_registration_budget(app: Flask) -> None:
    """Say so when a full delegation (a head and REGISTRATION_MAX_DELEGATES others) can never fit the budget."""
    people = 1 + int(app.config["REGISTRATION_MAX_DELEGATES"])
    if app.config["RATELIMIT_ENABLED"] and parse(app.config["REGISTRATION_RATE_LIMIT"]).amount < people:
        app.logger.warning(
            "FLASK_REGISTRATION_RATE_LIMIT (%s) counts people and holds fewer than a full delegation (%d): such a "
            "delegation can never register.", app.config["REGISTRATION_RATE_LIMIT"], people
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
    from plenary.i18n import select_locale

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True, compare_type=True
    )
    extensions.babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(PROJECT_ROOT, "plenary", "translations"),
    )
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    extensions.mail.init_app(app)
    extensions.login_manager.init_app(app)
    from plenary.auth.access import configure_login

    configure_login(extensions.login_manager)
    extensions.limiter.init_app(app)
    with app.app_context():
        if extensions.db.engine.dialect.name == "sqlite":
            from plenary.sqlite import configure_sqlite

            configure_sqlite(extensions.db.engine)


def register_models() -> None:
    """Import every model module so that the metadata (and migrations) see all tables."""
    from plenary.agenda import models as _agenda  # noqa: F401
    from plenary.audit import models as _audit  # noqa: F401
    from plenary.audit.services import install
    from plenary.auth import models as _auth  # noqa: F401
    from plenary.events import models as _events  # noqa: F401
    from plenary.mail import models as _mail  # noqa: F401
    from plenary.members import models as _members  # noqa: F401
    from plenary.news import models as _news  # noqa: F401
    from plenary.registration import models as _registration  # noqa: F401

    install()


def configure_routing(app: Flask) -> None:
    """Ids in URLs fit a database integer."""
    from werkzeug.routing import IntegerConverter

    class DatabaseId(IntegerConverter):
        """``<int:…>`` matches 0 … 2³¹−1 only: a larger number is no match (404), never a database overflow."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseId


def register_input_checks(app: Flask) -> None:
    """NUL characters and unpaired surrogates never reach a view or the database (400, see plenary.validation).

    The address is checked before every request; form data (urlencoded or multipart) when it is parsed, by
    ``validation.Request``, so that no body is read before a view has set its size limit.
    """
    from plenary import validation

    app.request_class = validation.Request
    app.before_request(validation.refuse_unreadable_address)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area."""
    from plenary.admin.views import bp as admin_bp
    from plenary.api.views import bp as api_bp
    from plenary.auth.views import bp as auth_bp
    from plenary.calendar.views import bp as calendar_bp
    from plenary.checkin.views import bp as checkin_bp
    from plenary.events.views import bp as events_bp
    from plenary.main.views import bp as main_bp
    from plenary.members.views import bp as members_bp
    from plenary.news.views import bp as news_bp
    from plenary.registration.views import bp as registration_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(calendar_bp)  # before events: /plenaries/<slug>.ics is more specific
    app.register_blueprint(events_bp)
    app.register_blueprint(news_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(api_bp)

    from plenary.mail.hooks import deliver_after_response

    app.after_request(deliver_after_response)


def register_template_helpers(app: Flask) -> None:
    """Expose language helpers and formatters to every template."""
    from plenary import formatting, i18n, labels
    from plenary.calendar.ical import add_to_calendar_links

    app.before_request(i18n.reset_language)
    app.after_request(i18n.remember_language)
    app.add_template_filter(formatting.render_markdown, "markdown")
    app.jinja_env.globals.update(
        FORMAT_LABELS=labels.FORMAT_LABELS,
        AGENDA_KIND_LABELS=labels.AGENDA_KIND_LABELS,
        REGISTRATION_LABELS=labels.REGISTRATION_LABELS,
        ANNOUNCEMENT_KIND_LABELS=labels.ANNOUNCEMENT_KIND_LABELS,
        COUNTRY_LABELS=labels.COUNTRY_LABELS,
        REGISTRATION_STATUS_LABELS=labels.REGISTRATION_STATUS_LABELS,
        ATTENDANCE_LABELS=labels.ATTENDANCE_LABELS,
        STATUS_LABELS=labels.STATUS_LABELS,
        ROLE_LABELS=labels.ROLE_LABELS,
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
            "zoned": formatting.zoned,
            "url_with_lang": i18n.url_with_lang,
            "ordinal": lambda number: formatting.ordinal(number, lang),
            "calendar_links": lambda plenary: add_to_calendar_links(plenary, lang),
        }


def register_errors(app: Flask) -> None:
    """Render error pages in the visitor's language instead of Werkzeug's defaults."""

    from werkzeug.exceptions import HTTPException, MethodNotAllowed

    from plenary.api.views import is_api_request, json_error

    def render_error(error):
        code = getattr(error, "code", 500) or 500
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


#: Pages may load nothing from other hosts (delegates in China must get the whole page);
#: the browser enforces it. data: images are Bootstrap's inline SVG icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


#: Pages that carry personal data or a secret in their address (the back office with its login page, the
#: personal pages /registrations/<token>/…): never stored by a browser or a proxy, never indexed.
PRIVATE_PATH_PREFIXES = ("/admin/", "/registrations/")
#: The same for a whole blueprint: the registration form and what answers it.
PRIVATE_BLUEPRINTS = frozenset({"registration"})


def is_private_page() -> bool:
    """True if the current request's answer carries personal data (see PRIVATE_PATH_PREFIXES)."""
    return request.path.startswith(PRIVATE_PATH_PREFIXES) or request.blueprint in PRIVATE_BLUEPRINTS


def register_security_headers(app: Flask) -> None:
    """Send a strict Content-Security-Policy and the usual hardening headers; Secure cookies over HTTPS."""
    from plenary.cookies import SessionInterface

    app.session_interface = SessionInterface()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Browsers ignore the header over plain HTTP (RFC 6797), and it must not pin a site that has no TLS.
        if request.is_secure and int(app.config["HSTS_MAX_AGE"]) > 0:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_MAX_AGE'])}")
        if is_private_page():
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Robots-Tag"] = "noindex"
        return response


def register_cli(app: Flask) -> None:
    """Add the project's flask commands."""
    from plenary.cli import register_commands

    register_commands(app)
