"""The passport data's encryption: cryptography's Fernet (AES-128-CBC + HMAC-SHA256), key from FLASK_VISA_KEY."""

import json
import os

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app


class VisaKeyMissing(RuntimeError):
    """Visa letters are enabled, but no valid key is configured."""


def _fernet(key) -> Fernet:
    if isinstance(key, str):
        key = key.strip().encode("ascii")
    return Fernet(key)


def check_configuration(app: Flask) -> None:
    """Refuse to start when FLASK_VISA_LETTERS is on and FLASK_VISA_KEY is missing or not a Fernet key.

    Without FLASK_VISA_KEY, the key is read from instance/visa_key if that file exists (as ``scripts/run`` writes it
    for the demo, beside instance/secret_key).
    """
    if not app.config.get("VISA_LETTERS"):
        return
    key_file = os.path.join(app.instance_path, "visa_key")
    if not app.config.get("VISA_KEY") and os.path.exists(key_file):
        with open(key_file, encoding="ascii") as fh:
            app.config["VISA_KEY"] = fh.read().strip()
        app.extensions.setdefault("plenary_key_files", []).append(("FLASK_VISA_KEY", key_file))
    key = app.config.get("VISA_KEY")
    try:
        if not key:
            raise ValueError("empty")
        _fernet(key)
    except (ValueError, TypeError, UnicodeEncodeError) as problem:
        raise VisaKeyMissing(
            "FLASK_VISA_LETTERS is on, but FLASK_VISA_KEY is "
            + ("not set" if not key else f"not a valid Fernet key ({problem})")
            + ". It encrypts the delegates' passport data. Create one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`, "
            f"set FLASK_VISA_KEY to it (or write it into {key_file}) and keep it safe "
            "(without it the stored passport data cannot be read), "
            "or set FLASK_VISA_LETTERS=false. Refusing to start."
        ) from None


def encrypt(data: dict) -> str:
    """``data`` (JSON-serialisable) as a Fernet token (text)."""
    plain = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return _fernet(current_app.config["VISA_KEY"]).encrypt(plain).decode("ascii")


def decrypt(token: str) -> dict | None:
    """The data of a token; None if it cannot be read with the configured key (another key, damaged)."""
    try:
        plain = _fernet(current_app.config["VISA_KEY"]).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError, TypeError):
        return None
    return json.loads(plain.decode("utf-8"))
