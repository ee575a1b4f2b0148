"""The file backend: without MAIL_SERVER each message is written as an .eml file to MAIL_FILE_DIR."""

import os
from email.message import EmailMessage

from flask import current_app


def write_mail_file(email: EmailMessage, message_id: int, kind: str) -> str:
    """Write ``email`` as <id>-<kind>.eml; return the path."""
    directory = current_app.config["MAIL_FILE_DIR"]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{message_id:06d}-{kind}.eml")
    with open(path, "wb") as fh:
        fh.write(email.as_bytes())
    return path


def forget_mail_files(message_ids: list[int]) -> None:
    """Delete the .eml copies the file backend wrote for these messages (erasure, purge, pruning)."""
    directory = current_app.config["MAIL_FILE_DIR"]
    if not message_ids or not os.path.isdir(directory):
        return
    wanted = set(message_ids)
    for name in os.listdir(directory):
        number = name.split("-", 1)[0]
        if name.endswith(".eml") and number.isdecimal() and int(number) in wanted:
            os.remove(os.path.join(directory, name))
