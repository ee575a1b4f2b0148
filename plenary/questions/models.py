"""The organizers' questions of a plenary, the answers people give, and the follow-up mails' bookkeeping.

A question's texts (label, help, each choice's label) are ``{"de": …, "en": …, "zh": …}`` dicts. Choices are
stored by a stable ``key`` (``{"key": "c1", "label": {…}}``) and answers name that key, so relabelling a
choice or editing a question never changes what an answer means. Answers are personal data.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL, PERSONAL


class QuestionKind(StrEnum):
    """What kind of answer a question takes."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    DATE = "date"
    NUMBER = "number"
    COUNTRY = "country"


#: Kinds whose answers are keys of the question's choices (yes/no: the keys "yes" and "no").
CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
#: Kinds another question's condition may name (their answers are keys).
CONDITION_KINDS = frozenset({*CHOICE_KINDS, QuestionKind.YES_NO})
#: Kinds counted per choice on the statistics page.
COUNTED_KINDS = CONDITION_KINDS


class Question(db.Model):
    """One question of a plenary, asked of the head and/or each delegate (on the form, or as a follow-up)."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "kind_known"), info=NOT_PERSONAL)
    required: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)
    label: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    help: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # [{"key": "c1", "label": {"de": …, "en": …, "zh": …}}, …]: keys never change once given. A removed choice that
    # answers name stays, marked ``"retired": true`` (its label still reads; it is no longer offered).
    choices: Mapped[list] = mapped_column(sa.JSON, default=list, info=NOT_PERSONAL)
    ask_head: Mapped[bool] = mapped_column(default=True, info=NOT_PERSONAL)
    ask_delegates: Mapped[bool] = mapped_column(default=True, info=NOT_PERSONAL)
    # Shown only to people attending this way (None: to all).
    attendance: Mapped[str | None] = mapped_column(sa.String(16), info=NOT_PERSONAL)
    # Shown only when the person's answer to an earlier question is one of these keys.
    condition_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    condition_values: Mapped[list] = mapped_column(sa.JSON, default=list, info=NOT_PERSONAL)
    # Asked after confirmation (a mail with the personal link), not on the sign-up form.
    follow_up: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)
    # When the organizers last pressed "ask now" (the already confirmed were mailed).
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)

    condition_question: Mapped["Question | None"] = relationship(remote_side=[id])

    __table_args__ = (sa.CheckConstraint("attendance IN ('in_person', 'online')", name="attendance_known"),)

    def choice_keys(self) -> list[str]:
        """The keys a new answer may hold (yes/no: "yes", "no"; other kinds none); not the retired choices'."""
        if self.kind == QuestionKind.YES_NO:
            return ["yes", "no"]
        return [c["key"] for c in self.choices or [] if not c.get("retired")]

    def all_choice_keys(self) -> list[str]:
        """Every key an answer may hold, also of choices removed since (kept, retired, while answers name them)."""
        if self.kind == QuestionKind.YES_NO:
            return ["yes", "no"]
        return [c["key"] for c in self.choices or []]


class Answer(db.Model):
    """One person's answer to one question: a text, an ISO date, a number as text, a country code, a choice's
    key, a list of keys (multiple choice), "yes" or "no"; None: seen and left empty."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True,
                                             info=NOT_PERSONAL)  # fmt: skip
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True,
                                                 info=NOT_PERSONAL)  # fmt: skip
    value: Mapped[str | list | None] = mapped_column(sa.JSON, info=PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=FACT)

    question: Mapped["Question"] = relationship()

    __table_args__ = (sa.UniqueConstraint("question_id", "registration_id", name="uq_answer_question_registration"),)


class FollowUp(db.Model):
    """A registration's follow-up bookkeeping: when it was asked (mailed) and last reminded.

    A row without ``asked_at``: the person was confirmed before the plenary had follow-up questions; the
    organizers ask them with "ask now". The worker mails everyone confirmed who has no row yet.
    """

    __tablename__ = "question_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True,
                                                 info=NOT_PERSONAL)  # fmt: skip
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)


class QuestionSettings(db.Model):
    """A plenary's settings for its questions: until when answers may be changed (None: the plenary's start)."""

    __tablename__ = "question_settings"

    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), primary_key=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    answers_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
