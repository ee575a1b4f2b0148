"""The back office's question form and its small forms (field shapes and validators only)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional, ValidationError

from plenary.admin.language_fields import LANGUAGE_LABELS, add_language_fields, language_values
from plenary.form_messages import FlaskForm, Form
from plenary.questions.models import CHOICE_KINDS, QuestionKind
from plenary.registration.forms import choices
from plenary.validation import one_line, optional_choice

#: The kinds' names in the back office's language, in the order offered.
KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE_CHOICE: _l("Single choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.DATE: _l("Date"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.COUNTRY: _l("Country"),
}
ASKED_OF = {"both": _l("The head and each delegate"), "head": _l("Only who signs up (the head)"),
            "delegates": _l("Only the delegates a head registers")}  # fmt: skip
MODES = {"": _l("Everyone"), "in_person": _l("Only those attending in person"),
         "online": _l("Only those attending online")}  # fmt: skip
#: Empty choice rows offered below the existing ones (to add choices without JavaScript).
EMPTY_CHOICE_ROWS = 3


class ChoiceRow(Form):
    """One choice: its stable key (hidden; new rows get one on saving) and its label per language."""

    key = HiddenField(filters=[one_line])


add_language_fields(ChoiceRow, "label", lambda lang: StringField(
    LANGUAGE_LABELS[lang], filters=[one_line], validators=[Optional(), Length(max=200)]))  # fmt: skip


class QuestionForm(FlaskForm):
    """A question of a plenary."""

    kind = SelectField(_l("Kind of answer"), choices=choices(KIND_LABELS.items()))
    required = BooleanField(_l("An answer is required"))
    asked_of = RadioField(_l("Asked of"), choices=choices(ASKED_OF.items()), default="both")
    attendance = SelectField(_l("Shown to"), choices=choices(MODES.items()), validators=[optional_choice()])
    condition = SelectField(
        _l("Shown only when an earlier answer is"), validators=[optional_choice()],
        description=_l("Only choice and yes/no questions above this one can be named."),
    )  # fmt: skip
    follow_up = BooleanField(_l("Follow-up question: asked by mail after confirmation, not on the sign-up form"))
    choice_rows = FieldList(FormField(ChoiceRow), min_entries=0)
    submit = SubmitField(_l("Save question"))

    def fill_conditions(self, options: list[tuple[str, str]]) -> None:
        """The condition choices: "" (always) and ``"<question id>:<key>"`` of the earlier questions."""
        self.condition.choices = choices([("", _l("Always shown")), *options])

    def validate_kind(self, field):
        """A choice question needs at least two choices."""
        if field.data in CHOICE_KINDS and len(self.choice_values()) < 2:
            raise ValidationError(_l("Please give at least two choices."))

    def validate(self, extra_validators=None):
        """The fields' checks, and a label in at least one language."""
        ok = super().validate(extra_validators)
        if not language_values(self, "label"):
            self.label_de.errors.append(_l("Please give the question in at least one language."))
            ok = False
        return ok

    def choice_values(self) -> list[dict]:
        """The choice rows with a label, as stored (a row without a key gets one when saved)."""
        rows = []
        for entry in self.choice_rows.entries:
            labels = language_values(entry.form, "label")
            if labels:
                rows.append({"key": entry.form.key.data or "", "label": labels})
        return rows

    def question_data(self) -> dict:
        """What the service stores."""
        return {
            "kind": self.kind.data, "required": bool(self.required.data),
            "label": language_values(self, "label"), "help": language_values(self, "help"),
            "ask_head": self.asked_of.data in ("both", "head"),
            "ask_delegates": self.asked_of.data in ("both", "delegates"),
            "attendance": self.attendance.data or None, "condition": self.condition.data or None,
            "follow_up": bool(self.follow_up.data), "choices": self.choice_values(),
        }  # fmt: skip


add_language_fields(QuestionForm, "label", lambda lang: StringField(
    _l("Question (%(language)s)", language=LANGUAGE_LABELS[lang]), filters=[one_line],
    validators=[Optional(), Length(max=300)]))  # fmt: skip
add_language_fields(QuestionForm, "help", lambda lang: StringField(
    _l("Hint (%(language)s)", language=LANGUAGE_LABELS[lang]), filters=[one_line],
    validators=[Optional(), Length(max=300)]))  # fmt: skip


class DeadlineForm(FlaskForm):
    """Until when people may change their answers (empty: until the plenary starts), in the plenary's zone."""

    answers_until = DateTimeLocalField(_l("Answers can be changed until"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
