"""Who is asked what: the pure rules of a question (asked of whom, shown when) and how an answer reads.

No database here: the sign-up form, the personal page, the follow-up mails and the back office all ask
these functions, so a rule lives in one place.
"""

from datetime import date

from babel.dates import format_date
from flask_babel import force_locale, gettext

from plenary.countries import country_name
from plenary.i18n import BABEL_LOCALES, localize
from plenary.questions.models import Question, QuestionKind

#: What stands for an answer whose choice the organizers have since removed.
REMOVED_CHOICE = "?"


def asks(question: Question, is_head: bool) -> bool:
    """True if ``question`` is asked of a head (who signs up) or of a delegate (registered by a head)."""
    return question.ask_head if is_head else question.ask_delegates


def is_empty(value) -> bool:
    """True for an answer that says nothing (None, "", [])."""
    return value is None or value == "" or value == []


def keys_of(value) -> list[str]:
    """The choice keys an answer holds (a list for multiple choice, else one key)."""
    if is_empty(value):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def shown(question: Question, attendance: str | None, answers: dict[int, object]) -> bool:
    """True if ``question`` is shown to a person attending ``attendance`` who gave ``answers`` (by question id)
    to the questions before it (answers of hidden questions left out)."""
    if question.attendance and attendance != question.attendance:
        return False
    if question.condition_question_id is not None:
        wanted = set(question.condition_values or [])
        return bool(wanted.intersection(keys_of(answers.get(question.condition_question_id))))
    return True


def visible_answers(questions: list[Question], attendance: str | None, answers: dict[int, object]) -> dict[int, object]:
    """``answers`` of only the questions shown (in order: a hidden question's answer opens nothing)."""
    kept: dict[int, object] = {}
    for question in questions:
        if shown(question, attendance, kept) and question.id in answers:
            kept[question.id] = answers[question.id]
    return kept


def choice_label(question: Question, key: str, lang: str) -> str:
    """The label of the choice ``key`` in ``lang`` (yes/no in the language's words)."""
    if question.kind == QuestionKind.YES_NO:
        with force_locale(BABEL_LOCALES[lang]):
            return gettext("Yes") if key == "yes" else gettext("No")
    for choice in question.choices or []:
        if choice.get("key") == key:
            return localize(choice.get("label"), lang).text or key
    return REMOVED_CHOICE


def readable(question: Question, value, lang: str) -> str:
    """An answer as a reader in ``lang`` writes it ("" for none)."""
    if is_empty(value):
        return ""
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO):
        separator = "、" if lang == "zh" else ", "
        return separator.join(choice_label(question, key, lang) for key in keys_of(value))
    if kind == QuestionKind.COUNTRY:
        return country_name(str(value), lang) or str(value)
    if kind == QuestionKind.DATE:
        try:
            return format_date(date.fromisoformat(str(value)), "medium", locale=BABEL_LOCALES[lang])
        except ValueError:
            return str(value)
    return str(value)


def label(question: Question, lang: str) -> str:
    """The question's label in ``lang`` (another language's if it has none in ``lang``)."""
    return localize(question.label, lang).text or f"#{question.id}"
