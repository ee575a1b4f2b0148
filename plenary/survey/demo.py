"""Demo: the 10th plenary (past) gets its survey, four questions, anonymous, with the answers of three further
attendees; it closes 30 days after the demo is loaded, so Anna Schmidt and 张伟 (the demo's attendees, see
plenary/certificates/demo.py) can still answer it from their personal pages. Idempotent: an existing survey stays."""

from datetime import timedelta

import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.states import Attendance, RegistrationStatus
from plenary.registration.tokens import rotate_token
from plenary.survey import services
from plenary.survey.models import (
    Survey,
    SurveyAnswer,
    SurveyOpensAt,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from plenary.upsert import insert_once

QUESTIONS = (
    ("rating", True, {"de": "Wie bewerten Sie die Plenarversammlung insgesamt?",
                      "en": "How do you rate the plenary assembly overall?", "zh": "您对本届全体大会的总体评价如何？"}),
    ("rating", False, {"de": "Wie gut konnten Sie online folgen (Ton, Bild, Verdolmetschung)?",
                       "en": "How well could you follow online (sound, picture, interpretation)?",
                       "zh": "在线参会的效果如何（声音、画面、同声传译）？"}),
    ("rating", False, {"de": "Wie nützlich war die Studie zum Markenimage deutscher und chinesischer Unternehmen?",
                       "en": "How useful was the study on the brand image of German and Chinese companies?",
                       "zh": "关于中德企业品牌形象的研究报告对您有多大帮助？"}),
    ("text", False, {"de": "Was sollen wir bei der nächsten Plenarversammlung anders machen?",
                     "en": "What should we do differently at the next plenary?",
                     "zh": "下一届全体大会我们应在哪些方面改进？"}),
)  # fmt: skip

#: Three further attendees and their answers (ratings of questions 1–3, the text).
RESPONDENTS = (
    ({"email": "li.na@demo.isa-alliance.example", "first_name": "Na", "last_name": "Li", "name_zh": "李娜",
      "organisation": "湖州市商务局", "country": "CN", "language": "zh"}, (5, 4, 5),
     "希望下次能有更多企业对接的时间。"),
    ({"email": "thomas.mueller@demo.isa-alliance.example", "first_name": "Thomas", "last_name": "Müller",
      "organisation": "Wirtschaftsförderung Chemnitz", "country": "DE", "language": "de"}, (4, 3, 4),
     "Die Verdolmetschung war gut; der Ton im Stream setzte zweimal aus."),
    ({"email": "julia.weber@demo.isa-alliance.example", "first_name": "Julia", "last_name": "Weber",
      "organisation": "IHK Aachen", "country": "DE", "language": "de"}, (4, 5, None), None),
)  # fmt: skip


def demo_survey(slug: str = "10th-plenary") -> str:
    """Give plenary ``slug`` its demo survey and answers (once); a line for the demo's report."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        return "Survey: no 10th plenary"
    if services.survey_of(plenary.id) is not None:
        return f"Survey of plenary {plenary.number}: /admin/plenaries/{slug}/survey (kept as it was)"
    # Written directly (as the demo's attendees are): the loader's unit of work has written plenaries already, so
    # the services' capacity lock can no longer come first; the demo runs alone.
    db.session.add(Survey(plenary_id=plenary.id, anonymous=True, opens=SurveyOpensAt.END,
                          closes_at=(utcnow() + timedelta(days=30)).replace(second=0, microsecond=0),
                          published_at=plenary.ends_at))  # fmt: skip
    questions = [SurveyQuestion(plenary_id=plenary.id, position=n, kind=SurveyQuestionKind(kind), required=required,
                                text=text) for n, (kind, required, text) in enumerate(QUESTIONS, start=1)]  # fmt: skip
    db.session.add_all(questions)
    db.session.flush()
    for data, ratings, text in RESPONDENTS:
        registration = db.session.scalar(sa.select(Registration).where(
            Registration.plenary_id == plenary.id, Registration.email == data["email"]))  # fmt: skip
        if registration is None:
            registration = Registration(plenary_id=plenary.id, status=RegistrationStatus.CONFIRMED,
                                        attendance=Attendance.ONLINE,
                                        consent_privacy_at=plenary.starts_at - timedelta(days=30),
                                        created_at=plenary.starts_at - timedelta(days=30),
                                        confirmed_at=plenary.starts_at - timedelta(days=30), **data)  # fmt: skip
            db.session.add(registration)
            db.session.flush()
            rotate_token(registration)
            attendance.record_arrival(
                registration,
                AttendanceChannel.ONLINE,
                AttendanceSource.ORGANIZER,
                by="organizer@isa-alliance.example",
                at=plenary.starts_at + timedelta(minutes=3),
            )
            db.session.flush()
        if not insert_once(SurveyParticipation.__table__, registration_id=registration.id, plenary_id=plenary.id):
            continue
        response = SurveyResponse(plenary_id=plenary.id, answered_on=(plenary.ends_at + timedelta(days=1)).date())
        for question, value in zip(questions, (*ratings, text), strict=True):
            if value is not None:
                response.answers.append(
                    SurveyAnswer(
                        question_id=question.id,
                        rating=value if isinstance(value, int) else None,
                        text=value if isinstance(value, str) else None,
                    )
                )
        db.session.add(response)
    db.session.flush()
    return f"Survey of plenary {plenary.number} (open, {len(RESPONDENTS)} answers): /admin/plenaries/{slug}/survey"
