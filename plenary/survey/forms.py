"""The survey's forms: the organizers' settings and question forms, and the answering form built per survey."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from plenary.admin.language_fields import LANGUAGE_LABELS, add_language_fields, language_values
from plenary.form_messages import FlaskForm
from plenary.registration.forms import choices
from plenary.survey.models import RATINGS, TEXT_MAX, SurveyOpensAt, SurveyQuestion, SurveyQuestionKind
from plenary.validation import one_line

#: The kinds' names in the back office's language.
KIND_LABELS = {SurveyQuestionKind.RATING: _l("Rating from 1 (poor) to 5 (excellent)"),
               SurveyQuestionKind.TEXT: _l("Free text")}  # fmt: skip
OPENS_LABELS = {SurveyOpensAt.END: _l("When the plenary ends"), SurveyOpensAt.START: _l("When the plenary starts")}
#: The ends of the rating scale, in the reader's language.
POOR, EXCELLENT = _l("poor"), _l("excellent")
QUESTION_TEXT_MAX = 300


class SettingsForm(FlaskForm):
    """Anonymous or not, from when, until when (in the plenary's zone; empty: 14 days after the end)."""

    anonymous = BooleanField(_l("Anonymous: answers are stored without the person's name"))
    opens = RadioField(_l("Can be answered from"), choices=choices(OPENS_LABELS.items()), default="end")
    closes_at = DateTimeLocalField(_l("Can be answered until"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class QuestionForm(FlaskForm):
    """One survey question: its kind, its text in each language, required or not."""

    kind = SelectField(_l("Kind of answer"), choices=choices(KIND_LABELS.items()))
    required = BooleanField(_l("An answer is required"))
    submit = SubmitField(_l("Save"))

    def question_data(self) -> dict:
        """What the service takes."""
        return {"kind": self.kind.data, "required": self.required.data, "text": language_values(self, "text")}


add_language_fields(QuestionForm, "text", lambda lang: StringField(
    LANGUAGE_LABELS[lang], filters=[one_line],
    validators=[InputRequired(), Length(max=QUESTION_TEXT_MAX)]))  # fmt: skip


def field_name(question: SurveyQuestion) -> str:
    """The answering form's field of ``question``."""
    return f"q{question.id}"


def answer_form_class(questions: list[SurveyQuestion], text_of) -> type[FlaskForm]:
    """A form class with one field per question: radio buttons 1–5 for ratings, a text area for free text.

    ``text_of(question)``: the question's text in the reader's language (the field's label / legend).
    """

    class AnswerForm(FlaskForm):
        submit = SubmitField(_l("Send your answers"))

    for question in questions:
        required = [InputRequired(message=_l("Please answer this question."))] if question.required else [Optional()]
        if question.kind == SurveyQuestionKind.RATING:
            labels = {1: f"1 – {POOR}", 5: f"5 – {EXCELLENT}"}
            field = RadioField(text_of(question), choices=choices((str(n), labels.get(n, str(n))) for n in RATINGS),
                               validators=required)  # fmt: skip
        else:
            field = TextAreaField(text_of(question), validators=[*required, Length(
                max=TEXT_MAX, message=_l("Please write at most %(max)d characters.", max=TEXT_MAX))])  # fmt: skip
        setattr(AnswerForm, field_name(question), field)
    return AnswerForm


def raw_values(form: FlaskForm, questions: list[SurveyQuestion]) -> dict[int, object]:
    """{question id: the value sent} of a validated answering form."""
    return {q.id: form[field_name(q)].data for q in questions}
