"""The plenary's questions on the sign-up form: the head's and each delegate row's fields, checked and stored.

``signup_form(plenary)`` gives the registration form class with an ``answers`` sub-form for the head and one in
every delegate row (``delegates-0-answers-q12``): WTForms builds, fills and renumbers them with the rows, so the
way without JavaScript (rows added and removed by the server) keeps what was typed.
"""

from dataclasses import dataclass

from wtforms import FieldList, FormField

from plenary.questions import answering
from plenary.questions.models import Question
from plenary.registration.forms import DelegateForm, RegistrationForm
from plenary.registration.signup import SignupResult


@dataclass(frozen=True)
class SignupQuestions:
    """The sign-up form's questions: those asked of the head, those asked of each delegate."""

    head: list[Question]
    delegates: list[Question]


def signup_questions(plenary_id: int) -> SignupQuestions:
    """The questions the sign-up form asks (not the follow-ups), split by whom they are asked of."""
    questions = answering.questions_of(plenary_id, follow_up=False)
    return SignupQuestions([q for q in questions if q.ask_head], [q for q in questions if q.ask_delegates])


def signup_form(plenary_id: int) -> tuple[type, SignupQuestions]:
    """The registration form class for this plenary (with its questions' fields) and the questions."""
    asked = signup_questions(plenary_id)
    if not asked.head and not asked.delegates:
        return RegistrationForm, asked
    delegate_form = type("DelegateWithAnswers", (DelegateForm,),
                         {"answers": FormField(answering.answers_form_class(asked.delegates))})  # fmt: skip

    def validate(self, extra_validators=None):
        ok = RegistrationForm.validate(self, extra_validators)
        head_attendance = self.attendance.data
        ok = answering.check(self.answers.form, asked.head, head_attendance) is not None and ok
        for entry in self.delegates.entries:
            mode = entry.form.attendance.data or head_attendance
            ok = answering.check(entry.form.answers.form, asked.delegates, mode) is not None and ok
        return ok

    form_class = type("RegistrationWithAnswers", (RegistrationForm,), {
        "answers": FormField(answering.answers_form_class(asked.head)),
        "delegates": FieldList(FormField(delegate_form), min_entries=0),
        "validate": validate,
    })  # fmt: skip
    return form_class, asked


def store_answers(form, asked: SignupQuestions, result: SignupResult, modes: tuple[str, ...]) -> None:
    """Store the answers of everyone the submission registered (a known address's registration is not changed)."""
    if not asked.head and not asked.delegates:
        return
    created = {r.email: r for r in result.created}
    head_attendance = form.attendance.data if form.attendance.data in modes else modes[0]
    people = [(form.email.data, form.answers.form, asked.head, head_attendance)]
    for entry in form.delegates.entries:
        mode = entry.form.attendance.data if entry.form.attendance.data in modes else head_attendance
        people.append((entry.form.email.data, entry.form.answers.form, asked.delegates, mode))
    for email, answers_form, questions, attendance in people:
        registration = created.get(email)
        if registration is None or not questions:
            continue
        values = answering.check(answers_form, questions, attendance)
        answering.save(registration, questions, values or {})
