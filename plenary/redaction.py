"""Personal links out of logs: the token of ``/registrations/<token>``, ``/join/<token>``, ``/survey/<token>``.

A standalone module (no imports from the app): gunicorn.conf.py loads it by its file for the access and error
logs, and the app uses it for its own exception log (``PlenaryFlask.log_exception``).
"""

import logging
import re

#: Paths whose second segment is a personal secret (the token of a registration, a join link, a survey link).
PERSONAL_PATH = re.compile(r"(/(?:registrations|join|survey)/)[^\s\"]*")


def redact(text: str) -> str:
    """``text`` with every personal link cut after its prefix (``/join/abc?x`` → ``/join/…``)."""
    return PERSONAL_PATH.sub(r"\1…", text)


class PersonalLinkFilter(logging.Filter):
    """A logging filter that redacts personal links in a record's message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact, and let the record through."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True
