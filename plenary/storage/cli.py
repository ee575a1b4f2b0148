"""``flask storage import-files``: move the files earlier releases wrote into the instance folder into the store."""

import os
import re

import click
from flask import current_app
from flask.cli import AppGroup

from plenary import storage
from plenary.extensions import db
from plenary.sqlite import begin_write

storage_cli = AppGroup("storage", help="The file store (uploads and built files; FLASK_STORAGE_BACKEND).")

#: Folders of earlier releases (under the instance folder) and the key prefix of their files in the store.
#: instance/imports/ is not moved: a staged import lived an hour; the organizer uploads the file again.
OLD_FOLDERS = {"documents": "documents/", "plenary_documents": "plenary_documents/", "badges": "badges/"}
#: The names the app generated there: token_urlsafe(24) for documents, token_urlsafe(32) for badge batches.
NAMES = {"documents": re.compile(r"[A-Za-z0-9_-]{32}\.pdf"), "plenary_documents": re.compile(r"[A-Za-z0-9_-]{32}\.pdf"),
         "badges": re.compile(r"[A-Za-z0-9_-]{43}\.pdf")}  # fmt: skip


def import_files(instance_path: str, keep: bool = False) -> tuple[int, int]:
    """Store every ``<name>.pdf`` of the old folders under its key (committed one by one), then delete the file
    (unless ``keep``); (moved, already there). Names we did not generate and half-written files are left alone.
    """
    moved = present = 0
    for folder, prefix in OLD_FOLDERS.items():
        directory = os.path.join(instance_path, folder)
        if not os.path.isdir(directory):
            continue
        for filename in sorted(os.listdir(directory)):
            if not NAMES[folder].fullmatch(filename):
                continue
            key, path = prefix + filename, os.path.join(directory, filename)
            if storage.exists(key):
                present += 1
            else:
                with open(path, "rb") as fh:
                    data = fh.read()
                begin_write(db.session())
                storage.put(key, data)
                db.session.commit()
                moved += 1
            if not keep:
                os.remove(path)
    return moved, present


@storage_cli.command("import-files")
@click.option("--keep", is_flag=True, help="Leave the files on disk (default: delete each once it is stored).")
def import_files_command(keep: bool) -> None:
    """Move agenda documents, documents of the day and badge PDFs from the instance folder into the store."""
    moved, present = import_files(current_app.instance_path, keep=keep)
    click.echo(f"{moved} file(s) moved into the store ({current_app.config['STORAGE_BACKEND']}), "
               f"{present} already there.")  # fmt: skip
