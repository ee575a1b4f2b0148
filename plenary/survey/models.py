"""A plenary's survey, its questions, who has answered (participation) and the answers (responses).

Who answered and what they answered are two tables with no link between them in an anonymous survey:
``survey_participation`` holds the registration (so nobody answers twice), ``survey_response`` the answers.
Nothing re-links them: a response's key is random (no insertion order to compare with the participation's),
it keeps only the day it was given (no time to compare with anything), and its answers are keyed by the
response and the question (no sequence either). Only a non-anonymous survey's responses name the registration.
"""

import secrets
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL, PERSONAL

#: How many questions a survey has at most, and at least to be opened.
MAX_QUESTIONS = 5
MIN_QUESTIONS = 3
#: The longest free-text answer (characters).
TEXT_MAX = 2000
#: The scale of a rating question.
RATINGS = (1, 2, 3, 4, 5)
#: Days after the plenary's end the survey closes when the organizers set no date.
DEFAULT_OPEN_DAYS = 14


class SurveyQuestionKind(StrEnum):
    """What a survey question asks for: a rating from 1 (poor) to 5 (excellent), or a free text."""

    RATING = "rating"
    TEXT = "text"


class SurveyOpensAt(StrEnum):
    """From when the survey can be answered: the plenary's start or its end."""

    START = "start"
    END = "end"


class Survey(db.Model):
    """A plenary's survey settings: anonymous or not, from when and until when it can be answered.

    Draft until ``published_at`` is set (by "open", which needs MIN_QUESTIONS); ``closed_at``: closed by hand.
    """

    __tablename__ = "survey"

    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), primary_key=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    anonymous: Mapped[bool] = mapped_column(default=True, info=NOT_PERSONAL)
    opens: Mapped[SurveyOpensAt] = mapped_column(enum_type(SurveyOpensAt, "opens_known", 8),
                                                 default=SurveyOpensAt.END, info=NOT_PERSONAL)  # fmt: skip
    # None: DEFAULT_OPEN_DAYS after the plenary's end.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)

    plenary = relationship("Plenary")


class SurveyQuestion(db.Model):
    """One question of a plenary's survey: its text per language, its kind, whether an answer is required."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.plenary_id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    kind: Mapped[SurveyQuestionKind] = mapped_column(enum_type(SurveyQuestionKind, "kind_known", 8),
                                                     info=NOT_PERSONAL)  # fmt: skip
    text: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    required: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)


class SurveyParticipation(db.Model):
    """That a registration has answered its plenary's survey (claimed once; no time, no link to the answers)."""

    __tablename__ = "survey_participation"

    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False, info=FACT)  # fmt: skip
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip


def new_response_key() -> str:
    """A random key: no order among responses (see the module's docstring)."""
    return secrets.token_hex(16)


class SurveyResponse(db.Model):
    """One person's answers: anonymous (no registration) or, in a non-anonymous survey, the registration's."""

    __tablename__ = "survey_response"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_response_key, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                        unique=True, info=NOT_PERSONAL)  # fmt: skip
    answered_on: Mapped[date] = mapped_column(sa.Date, info=NOT_PERSONAL)

    answers: Mapped[list["SurveyAnswer"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class SurveyAnswer(db.Model):
    """One answer of a response: a rating (1–5) or a text; an optional question left empty has no row."""

    __tablename__ = "survey_answer"

    response_id: Mapped[str] = mapped_column(sa.ForeignKey("survey_response.id", ondelete="CASCADE"),
                                             primary_key=True, info=NOT_PERSONAL)  # fmt: skip
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id", ondelete="CASCADE"),
                                             primary_key=True, index=True, info=NOT_PERSONAL)  # fmt: skip
    rating: Mapped[int | None] = mapped_column(info=PERSONAL)
    text: Mapped[str | None] = mapped_column(sa.Text, info=PERSONAL)

    __table_args__ = (sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),)
