"""Configuration from the environment, and the refusal to run without a secret key."""

import pytest

from plenary import create_app
from plenary.config import normalise_database_url


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))


def test_secret_key_file_in_the_instance_folder_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("from-the-file\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-the-file"


def test_keys_read_from_the_instance_folder_are_named_for_several_servers(monkeypatch, tmp_path, caplog):
    from cryptography.fernet import Fernet

    for name in ("FLASK_SECRET_KEY", "FLASK_VISA_KEY", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "secret_key").write_text("from-the-file\n")
    (tmp_path / "visa_key").write_text(Fernet.generate_key().decode())
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "VISA_LETTERS": True}, instance_path=str(tmp_path))
    warned = [r.getMessage() for r in caplog.records if "a file on this server only" in r.getMessage()]
    assert len(warned) == 2
    assert warned[0].startswith("FLASK_SECRET_KEY is not set") and "set FLASK_SECRET_KEY to the same value" in warned[0]
    assert warned[1].startswith("FLASK_VISA_KEY is not set") and str(tmp_path / "visa_key") in warned[1]
    caplog.clear()
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert not [r for r in caplog.records if "a file on this server only" in r.getMessage()]


def test_debug_mode_runs_with_a_throwaway_key(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert len(app.config["SECRET_KEY"]) == 64


def test_secret_key_from_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_PUBLIC_URL", "https://isa.example.org/")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["PUBLIC_URL"] == "https://isa.example.org"


def test_database_url_is_used_and_mapped_to_psycopg(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "x")
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/plenary")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/plenary"


def test_explicit_flask_setting_beats_database_url(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/one")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "sqlite:///elsewhere.sqlite")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///elsewhere.sqlite"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "x")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/plenary.sqlite"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("postgres://a@b/c", "postgresql+psycopg://a@b/c"), ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
     ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"), ("sqlite:///x.db", "sqlite:///x.db")],
)  # fmt: skip
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_numeric_secret_key_is_used_as_text(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "12345")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"] == "12345"


def test_trusted_proxy_makes_cookies_secure_behind_tls(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "x")
    headers = {"X-Forwarded-Proto": "https"}
    behind_proxy = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": 1})
    cookie = behind_proxy.test_client().get("/no-such-page?lang=zh", headers=headers).headers["Set-Cookie"]
    assert "plenary_lang=zh" in cookie and "Secure" in cookie
    # Without the setting, a forged header from a client is ignored.
    direct = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cookie = direct.test_client().get("/no-such-page?lang=zh", headers=headers).headers["Set-Cookie"]
    assert "Secure" not in cookie
