"""Every model module, imported together: the metadata (and migrations) see all tables.

Models name each other's classes by string (``relationship("Member")``), so that the model modules need not import
each other; SQLAlchemy resolves those names once every class is defined. Whatever configures the mappers at import
time (a loader option built at module level, such as ``plenary.admin.agenda.WITH_AGENDA``) needs all of them: the
app factory imports this module before any area.
"""

from plenary.agenda import models as agenda
from plenary.attendance import models as attendance
from plenary.audit import models as audit
from plenary.audit.services import install as install_audit
from plenary.auth import models as auth
from plenary.badges import models as badges
from plenary.broadcasts import models as broadcasts
from plenary.certificates import models as certificates
from plenary.documents import models as documents
from plenary.events import models as events
from plenary.followup import models as followup
from plenary.mail import models as mail
from plenary.members import models as members
from plenary.news import models as news
from plenary.questions import models as questions
from plenary.registration import models as registration
from plenary.reminders import models as reminders
from plenary.storage import models as storage
from plenary.survey import models as survey
from plenary.visa import models as visa

#: The model modules (one per domain).
MODEL_MODULES = (agenda, attendance, audit, auth, badges, broadcasts, certificates, documents, events, followup, mail,
                 members, news, questions, registration, reminders, storage, survey, visa)  # fmt: skip


def register_models() -> None:
    """Have the audit log watch every change of these models (once per process)."""
    install_audit()
