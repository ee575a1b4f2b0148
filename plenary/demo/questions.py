"""The demo plenary's questions (the 11th, taking registrations): three on the sign-up form and one follow-up."""

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.questions.answering import questions_of
from plenary.questions.services import add_question

DEMO_SLUG = "11th-plenary"


def _question(kind: str, label: dict, **values) -> dict:
    data = {"kind": kind, "required": False, "label": label, "help": {}, "ask_head": True, "ask_delegates": True,
            "attendance": None, "condition": None, "follow_up": False, "choices": []}  # fmt: skip
    return data | values


def demo_questions() -> list[dict]:
    """Arrival date (in person), hotel needed (yes/no), interpretation language (single choice); the flight
    number as a follow-up for those attending in person."""
    return [
        _question(
            "date",
            {"de": "Anreisedatum", "en": "Arrival date", "zh": "抵达日期"},
            attendance="in_person",
            help={
                "de": "Damit wir die Abholung planen können.",
                "en": "So that we can plan the pick-up.",
                "zh": "以便我们安排接站。",
            },
        ),  # fmt: skip
        _question(
            "yes_no",
            {"de": "Benötigen Sie ein Hotelzimmer?", "en": "Do you need a hotel room?", "zh": "您是否需要预订酒店？"},
            attendance="in_person",
        ),  # fmt: skip
        _question(
            "single_choice",
            {"de": "Dolmetschsprache", "en": "Interpretation language", "zh": "同传语言"},
            choices=[
                {"key": "", "label": {"de": "Deutsch", "en": "German", "zh": "德语"}},
                {"key": "", "label": {"de": "Chinesisch", "en": "Chinese", "zh": "中文"}},
                {"key": "", "label": {"de": "Keine", "en": "None", "zh": "不需要"}},
            ],
        ),  # fmt: skip
        _question(
            "short_text",
            {"de": "Flugnummer der Anreise", "en": "Flight number of your arrival", "zh": "抵达航班号"},
            attendance="in_person",
            follow_up=True,
            help={"de": "Zum Beispiel LH 720", "en": "For example LH 720", "zh": "例如 LH 720"},
        ),  # fmt: skip
    ]


def load_demo_questions() -> str:
    """Give the demo plenary its questions unless it has some (idempotent); a line for the report."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == DEMO_SLUG))
    if plenary is None:
        return "Questions: no demo plenary"
    if not questions_of(plenary.id):
        for data in demo_questions():
            add_question(plenary, data)
    return f"Questions: /admin/plenaries/{DEMO_SLUG}/questions"
