"""The organizers' own words in a reminder: an optional subject and intro paragraph per language.

The mail's structure stays fixed and safe (templates/mail/plenary_reminder.*); the organizers' text only fills
its subject line and one paragraph, in the reader's language only (a text missing in it: the fixed wording, not
another language). The intro is plain text or Markdown, rendered as messages to attendees are
(``plenary.broadcasts.compose.body_html``: sanitised), never taken as HTML.
"""

from dataclasses import dataclass

from markupsafe import Markup

from plenary.broadcasts.compose import body_html, clean_subject
from plenary.reminders.models import PlenaryReminder

#: The longest subject and intro the back office accepts.
SUBJECT_MAX = 200
INTRO_MAX = 4000


@dataclass(frozen=True)
class ReminderTexts:
    """What the mail shows of the organizers' words in one language (empty: the fixed wording)."""

    subject: str
    intro_text: str
    intro_html: Markup


def texts_for(reminder: PlenaryReminder, lang: str) -> ReminderTexts:
    """The organizers' subject and intro of ``reminder`` in ``lang`` (empty where they wrote none)."""
    subject = clean_subject((reminder.subject or {}).get(lang) or "")
    intro = ((reminder.intro or {}).get(lang) or "").replace("\r\n", "\n").strip("\n")
    return ReminderTexts(subject, intro, body_html(intro, bool(reminder.markdown)) if intro else Markup(""))
