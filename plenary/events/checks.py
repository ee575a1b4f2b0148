"""Checking an exchange document, all before anything is touched: texts and nesting, the schema, meaning.

``validate_document`` returns every problem as "field.path: message"; ``ExchangeError`` carries
them to the caller. See docs/exchange-format.md.
"""

import json
import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import available_timezones

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from plenary.i18n import N_
from plenary.validation import normalised_email, text_problem


class ExchangeError(ValueError):
    """An import document is invalid; ``errors`` lists each problem with its field path."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class Problem(str):
    """One problem: "path: message" in English (what the CLI and the API say), and what a page says instead.

    ``text`` is a msgid (marked with ``N_``) that a page translates with ``values``; instants (aware
    datetimes) among them are shown in ``zone`` (plenary.admin.problems.readable).
    """

    text: str
    zone: str | None
    values: dict

    def __new__(cls, english: str, text: str, zone: str | None = None, **values):
        problem = super().__new__(cls, english)
        problem.text, problem.zone, problem.values = text, zone, values
        return problem


@cache
def plenary_schema() -> dict:
    """Return the JSON Schema of the exchange format."""
    return json.loads(resources.files("plenary.events").joinpath("plenary.schema.json").read_text("utf-8"))


def _path(error: ValidationError) -> str:
    """Render a validation error's location as ``agenda[2].speakers[0].name``."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _best(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf errors, return the sub-error that explains the value best.

    The generic "is not valid under any of the given schemas" hides the reason; the
    branch that matches the value's type (not failing on "type" at the same place)
    and goes deepest usually names the real problem.
    """
    if not error.context:
        return error
    depth = len(error.absolute_path)
    candidates = [e for e in error.context if not (e.validator == "type" and len(e.absolute_path) == depth)]
    if not candidates:
        return error
    return _best(max(candidates, key=lambda e: len(e.absolute_path)))


def _message(error: ValidationError) -> str:
    """Return a human-readable message for ``error``."""
    if error.validator == "pattern":
        return f"{error.instance!r} does not have the expected form"
    if error.validator in ("oneOf", "anyOf"):
        return f"{error.instance!r} is not an allowed value here"
    return error.message


def validate_document(data: Any) -> list[str]:
    """Return every problem in ``data`` as 'field: message': its texts and nesting, then the schema, then meaning."""
    problems = _text_errors(data)
    if problems:
        return problems
    validator = Draft202012Validator(plenary_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        return [_describe(e) for e in errors]
    return _semantic_errors(data)


#: Deeper than any exchange document goes (``agenda[0].speakers[0].position.de`` is 6 levels).
MAX_DEPTH = 12
#: Fields whose texts may have several lines; every other text of the document is one line.
MULTILINE_FIELDS = frozenset({"summary", "description"})


def _text_errors(data: Any) -> list[str]:
    """Every text (and field name) of ``data`` as plenary.validation takes it, and the nesting bounded.

    Walks the document without recursion, before the schema check, so that neither a deep document nor a
    lone surrogate can reach jsonschema, the database or a page.
    """
    problems = []
    stack = [(data, "", 0, False)]
    while stack:
        value, path, depth, multiline = stack.pop()
        if depth > MAX_DEPTH:
            return [f"{path}: nested more than {MAX_DEPTH} levels deep (no exchange document is)"]
        if isinstance(value, str):
            problem = text_problem(value, multiline=multiline)
            if problem is not None:
                problems.append(f"{path or '(document)'}: {problem}")
        elif isinstance(value, dict):
            children = []
            for key, child in value.items():
                problem = text_problem(key) if isinstance(key, str) else None
                if problem is not None:
                    problems.append(f"{path or '(document)'}: a field name {problem}")
                    continue
                child_path = f"{path}.{key}" if path else str(key)
                children.append((child, child_path, depth + 1, multiline or key in MULTILINE_FIELDS))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((value[i], f"{path}[{i}]", depth + 1, multiline) for i in reversed(range(len(value))))
    return problems


def _describe(error: ValidationError) -> str:
    """Return 'field.path: message'; a missing or unknown field is named in the path itself."""
    error = _best(error)
    parent = _path(error)

    def child(name: str) -> str:
        return name if parent == "(document)" else f"{parent}.{name}"

    if error.validator == "required":
        # jsonschema raises one error per missing field; its message names that field.
        match = re.match(r"'(.+)' is a required property", error.message)
        return f"{child(match.group(1) if match else '?')}: this field is required"
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        unknown = [name for name in error.instance if name not in known]
        return "; ".join(f"{child(name)}: unknown field" for name in unknown)
    return f"{parent}: {_message(error)}"


def _semantic_errors(data: dict) -> list[str]:
    """Checks JSON Schema cannot express: real zones and dates, and their order."""
    problems = []
    if data["timezone"] not in zone_names():
        problems.append(f"timezone: {data['timezone']!r} is not an IANA time zone name")
    title_fields = [("title", data["title"])]
    title_fields += [(f"agenda[{i}].title", item["title"]) for i, item in enumerate(data.get("agenda", []))]
    for name, values in title_fields:
        if not any(text.strip() for text in values.values()):
            problems.append(f"{name}: needs a non-empty text in at least one language")
    instants = {}
    fields = [("starts_at", data.get("starts_at")), ("ends_at", data.get("ends_at"))]
    registration = data.get("registration") or {}
    fields += [(f"registration.{k}", registration.get(k)) for k in ("opens_at", "closes_at")]
    fields += [(f"agenda[{i}].starts_at", item.get("starts_at")) for i, item in enumerate(data.get("agenda", []))]
    for name, value in fields:
        if value is None:
            continue
        try:
            instants[name] = parse_instant(value)
        except ValueError:
            problems.append(f"{name}: {value!r} is not a valid date and time")
    if "starts_at" in instants and "ends_at" in instants and instants["ends_at"] < instants["starts_at"]:
        problems.append(Problem("ends_at: the plenary ends before it starts",
                                N_("The plenary cannot end before it starts.")))  # fmt: skip
    start, end = instants.get("starts_at"), instants.get("ends_at")
    for index in range(len(data.get("agenda", []))):
        item_start = instants.get(f"agenda[{index}].starts_at")
        if item_start and start and end and not start <= item_start <= end:
            problems.append(Problem(
                f"agenda[{index}].starts_at: outside the plenary's time ({data['starts_at']} to {data['ends_at']})",
                N_("Agenda item %(number)s starts at %(item_start)s, outside the plenary's time (%(start)s to "
                   "%(end)s)."),
                data["timezone"], number=index + 1, item_start=item_start, start=start, end=end,
            ))  # fmt: skip
    opens, closes = instants.get("registration.opens_at"), instants.get("registration.closes_at")
    if opens and closes and closes < opens:
        problems.append(Problem("registration.closes_at: registration closes before it opens",
                                N_("Registration cannot close before it opens.")))  # fmt: skip
    if opens and end and opens >= end:
        problems.append(Problem("registration.opens_at: registration opens after the plenary has ended",
                                N_("Registration cannot open after the plenary has ended.")))  # fmt: skip
    email = data.get("contact_email")
    if email is not None and normalised_email(email) is None:  # the forms' rule; the schema only sees an @
        problems.append(f"contact_email: {email!r} is not a valid email address")
    return problems


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name the tz database knows (folders like "Europe" are not zones)."""
    return frozenset(available_timezones())


def parse_instant(value: str) -> datetime:
    """Parse an ISO 8601 time that carries its offset; naive times are refused."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no UTC offset")
    return parsed
