"""gunicorn.conf.py: the settings docs/deployment.md promises, read as gunicorn reads them."""

from datetime import timedelta
from pathlib import Path

from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def _config(monkeypatch, **env) -> Config:
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = {"__file__": str(CONF), "__name__": "__config__"}
    exec(compile(CONF.read_text(), str(CONF), "exec"), namespace)  # noqa: S102 - as gunicorn loads it
    config = Config()
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)
    return config


def test_the_settings_of_an_app_server(monkeypatch):
    config = _config(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_BIND="0.0.0.0:8001")
    assert config.workers == 3 and config.address == [("0.0.0.0", 8001)]
    assert config.forwarded_allow_ips == []  # FLASK_TRUSTED_PROXIES decides alone
    assert config.max_requests == 2000 and 0 < config.max_requests_jitter < config.max_requests
    assert config.graceful_timeout > 20  # above FLASK_MAIL_TIMEOUT: a delivery in progress may finish
    assert config.timeout == 60 and config.accesslog == "-"
    defaults = _config(monkeypatch)
    assert 1 < defaults.workers <= 8 and defaults.address == [("127.0.0.1", 8000)]


def test_the_access_log_keeps_no_token_of_a_personal_link(monkeypatch):
    config = _config(monkeypatch, GUNICORN_ACCESS_LOG="")
    logger = config.logger_class(config)

    class Request:
        headers = [("REFERER", "https://plenary.example.org/survey/S3cret/x")]

        def __init__(self, path, query):
            self.path, self.query = path, query

    class Response:
        status, sent, headers = "200 OK", 10, []

    def environ(path: str, query: str) -> dict:
        return {"REMOTE_ADDR": "192.0.2.1", "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1",
                "RAW_URI": f"{path}?{query}", "PATH_INFO": path, "QUERY_STRING": query,
                "HTTP_REFERER": "https://plenary.example.org/survey/S3cret/x"}  # fmt: skip

    atoms = logger.atoms(Response(), Request("/registrations/S3cret/edit", "lang=de"),
                         environ("/registrations/S3cret/edit", "lang=de"), timedelta(seconds=0.01))  # fmt: skip
    line = config.access_log_format % SafeAtoms(atoms)  # as gunicorn formats a line
    assert "S3cret" not in line
    assert '"GET /registrations/… HTTP/1.1"' in line and '"https://plenary.example.org/survey/…"' in line
    public = logger.atoms(Response(), Request("/plenaries/12th", "lang=zh"), environ("/plenaries/12th", "lang=zh"),
                          timedelta(seconds=0.01))  # fmt: skip
    assert '"GET /plenaries/12th?lang=zh HTTP/1.1"' in config.access_log_format % SafeAtoms(public)


def test_the_error_log_keeps_no_token_of_a_personal_link(monkeypatch):
    import io
    import logging

    config = _config(monkeypatch, GUNICORN_ACCESS_LOG="")
    logger = config.logger_class(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.error_log.addHandler(handler)
    try:
        logger.exception("Error handling request %s", "/join/S3cret?via=other")  # as gunicorn's workers say it
        logger.error("Error handling request /registrations/S3cret/edit")
        logger.warning("worker %s timed out on %s", 4711, "/survey/S3cret")
    finally:
        logger.error_log.removeHandler(handler)
    text = stream.getvalue()
    assert "S3cret" not in text
    assert "/join/…" in text and "/registrations/…" in text and "worker 4711 timed out on /survey/…" in text


def test_the_apps_exception_log_keeps_no_token_of_a_personal_link(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/registrations/<token>/explode")
    def explode(token):
        raise RuntimeError("boom")

    with caplog.at_level("ERROR"):
        response = app.test_client().get("/registrations/S3cret-token/explode")
    assert response.status_code == 500
    logged = [record.getMessage() for record in caplog.records if record.name == app.logger.name]
    assert logged == ["Exception on /registrations/… [GET]"]
    assert "S3cret" not in caplog.text
