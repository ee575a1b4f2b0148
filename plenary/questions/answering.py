"""Answering: the fields of a plenary's questions in a form, their checks, and storing what a person answered.

The fields carry no WTForms validators (a hidden question must neither be required nor refused): ``check``
reads and checks every shown question, in order, and puts its message next to the field. Nothing is stored
for a hidden question, and an earlier answer to a question now hidden is removed.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from plenary.extensions import db
from plenary.form_messages import Form
from plenary.i18n import current_language, localize
from plenary.questions import rules
from plenary.questions.models import Answer, Question, QuestionKind
from plenary.registration.forms import choices, country_choices
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.signals import registration_erased
from plenary.validation import multi_line, one_line

#: The longest answer a text question takes.
MAX_SHORT, MAX_LONG = 300, 2000


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question: Question) -> str:
    """The name of ``question``'s field in a form (``q12``)."""
    return f"q{question.id}"


def questions_of(plenary_id: int, follow_up: bool | None = None) -> list[Question]:
    """A plenary's questions in their order (only the follow-ups, only the form's, or all)."""
    query = sa.select(Question).where(Question.plenary_id == plenary_id)
    if follow_up is not None:
        query = query.where(Question.follow_up.is_(follow_up))
    return list(db.session.scalars(query.order_by(Question.position, Question.id)))


def is_head(registration: Registration) -> bool:
    """True if the person registered themselves (else a head registered them: a delegate)."""
    return registration.delegation_head_id is None and registration.registered_by_name is None


def _field(question: Question, lang: str) -> Field:
    text = localize(question.label, lang).text or f"#{question.id}"
    options = {"label": text, "description": localize(question.help, lang).text, "validators": []}
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return StringField(filters=[one_line], **options)
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(filters=[multi_line], render_kw={"rows": 3}, **options)
    if kind == QuestionKind.DATE:
        return StringField(render_kw={"type": "date"}, filters=[one_line], **options)
    if kind == QuestionKind.NUMBER:
        return StringField(render_kw={"inputmode": "decimal"}, filters=[one_line], **options)
    if kind == QuestionKind.COUNTRY:
        return SelectField(choices=country_choices(), validate_choice=False, **options)
    pairs = [(key, rules.choice_label(question, key, lang)) for key in question.choice_keys()]
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return CheckboxesField(choices=choices(pairs), validate_choice=False, **options)
    return RadioField(choices=choices(pairs), validate_choice=False, **options)


def answers_form_class(questions: list[Question], base: type = Form) -> type:
    """A form class with one field per question (``q<id>``), labelled in the visitor's language."""
    lang = current_language()
    return type("AnswersForm", (base,), {field_name(q): _field(q, lang) for q in questions})


def wtforms_message(field: Field, text: str, plural: str | None = None, n: int = 1) -> str:
    """One of WTForms' own messages in the visitor's language, from WTForms' catalogues (the form's translations):
    its msgids, not ours (our extraction does not see them)."""
    return field.ngettext(text, plural, n) if plural else field.gettext(text)


def _value(question: Question, field: Field):
    """The field's answer as stored, or raise ValueError with the message to show.

    The messages are WTForms' own, as built-in fields say them (its catalogues have them in every language).
    """
    data = field.data
    kind = question.kind
    invalid_choice = wtforms_message(field, "Not a valid choice.")
    if kind == QuestionKind.MULTIPLE_CHOICE:
        keys = [k for k in (data or []) if k]
        if any(k not in question.choice_keys() for k in keys):
            raise ValueError(invalid_choice)
        return [k for k in question.choice_keys() if k in keys]  # in the question's order, each once
    if data is None or (isinstance(data, str) and not data.strip()):
        return None
    data = data.strip() if isinstance(data, str) else data
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO):
        if data not in question.choice_keys():
            raise ValueError(invalid_choice)
    elif kind == QuestionKind.COUNTRY:
        if data not in {c.value for c in country_choices() if c.value}:
            raise ValueError(invalid_choice)
    elif kind == QuestionKind.DATE:
        try:
            data = date.fromisoformat(data).isoformat()
        except ValueError:
            raise ValueError(wtforms_message(field, "Not a valid date value.")) from None
    elif kind == QuestionKind.NUMBER:
        try:
            number = Decimal(data.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValueError(wtforms_message(field, "Not a valid decimal value.")) from None
        if not number.is_finite() or len(data) > 30:
            raise ValueError(wtforms_message(field, "Not a valid decimal value."))
        data = format(number.normalize(), "f")
    elif len(data) > (MAX_LONG if kind == QuestionKind.LONG_TEXT else MAX_SHORT):
        limit = MAX_LONG if kind == QuestionKind.LONG_TEXT else MAX_SHORT
        message = wtforms_message(field, "Field cannot be longer than %(max)d character.",
                                  "Field cannot be longer than %(max)d characters.", limit)  # fmt: skip
        raise ValueError(message % {"max": limit})
    return data


def check(form: Form, questions: list[Question], attendance: str | None) -> dict[int, object] | None:
    """The answers of the shown questions by question id, or None after putting each problem next to its field.

    A hidden question's field is neither checked nor kept (its errors are dropped).
    """
    values: dict[int, object] = {}
    ok = True
    for question in questions:
        field = form[field_name(question)]
        if not rules.shown(question, attendance, values):
            field.errors = []
            continue
        field.errors = list(field.process_errors)
        if field.errors:
            ok = False
            continue
        try:
            value = _value(question, field)
        except ValueError as problem:
            field.errors.append(problem.args[0])
            ok = False
            continue
        if question.required and rules.is_empty(value):
            field.errors.append(wtforms_message(field, "This field is required."))
            ok = False
        values[question.id] = value
    return values if ok else None


def answers_of(registration_id: int) -> dict[int, object]:
    """A person's stored answers by question id."""
    rows = db.session.execute(
        sa.select(Answer.question_id, Answer.value).where(Answer.registration_id == registration_id)
    )
    return dict(rows.all())


def fill(form: Form, questions: list[Question], answers: dict[int, object]) -> None:
    """Put stored answers into the fields (a GET of the personal page's answers)."""
    for question in questions:
        if question.id in answers:
            value = answers[question.id]
            form[field_name(question)].data = value if value is not None else ("" if question.kind not in (
                QuestionKind.MULTIPLE_CHOICE,) else [])  # fmt: skip


def save(registration: Registration, questions: list[Question], values: dict[int, object]) -> None:
    """Store ``values`` (shown questions' answers, from ``check``) for ``registration``; the answers to the other
    ``questions`` (now hidden) are removed. Flushes, never commits. Under the plenary's lock (two saves at once
    would both insert the same answer)."""
    lock_plenary(registration.plenary_id)
    existing = {a.question_id: a for a in db.session.scalars(sa.select(Answer).where(
        Answer.registration_id == registration.id, Answer.question_id.in_([q.id for q in questions])))}  # fmt: skip
    for question in questions:
        answer = existing.get(question.id)
        if question.id not in values:
            if answer is not None:
                db.session.delete(answer)
            continue
        if answer is None:
            db.session.add(Answer(question_id=question.id, registration_id=registration.id, value=values[question.id]))
        elif answer.value != values[question.id]:
            answer.value = values[question.id]
    db.session.flush()


@registration_erased.connect
def delete_answers(registration: Registration, **_extra) -> None:
    """Erasure (``registration_erased``): remove every answer of the person (the follow-up bookkeeping holds no
    data and stays)."""
    db.session.execute(sa.delete(Answer).where(Answer.registration_id == registration.id))


def answers_for_download(registration: Registration) -> list[dict]:
    """The person's answers for the download of their data: each question's texts, the answer as they read it,
    and the stored value."""
    lang = registration.language
    questions = {q.id: q for q in questions_of(registration.plenary_id)}
    stored = answers_of(registration.id)
    return [{"question": questions[qid].label, "answer": rules.readable(questions[qid], value, lang), "value": value}
            for qid, value in sorted(stored.items(), key=lambda item: (questions[item[0]].position, item[0]))
            if qid in questions]  # fmt: skip
