"""A registration's role at the plenary (delegate, speaker, press, organizer): the badge's colour band.

Set by the organizers in the back office (``set_role``; a new registration is a delegate). The band's words
are printed in German and Chinese on every badge whatever the reader's language (the badge is bilingual by
design, like the door signs), so they are not in the site's catalogue: ``BADGE_WORDS``.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ParticipantRole(StrEnum):
    """What a person does at the plenary."""

    DELEGATE = "delegate"
    SPEAKER = "speaker"
    PRESS = "press"
    ORGANIZER = "organizer"


#: The back office's words for each role (in the organizer's language).
PARTICIPANT_ROLE_LABELS = {
    ParticipantRole.DELEGATE: _l("Delegate"),
    ParticipantRole.SPEAKER: _l("Speaker"),
    ParticipantRole.PRESS: _l("Press"),
    ParticipantRole.ORGANIZER: _l("Organizing team"),
}

#: The band on a badge: its words in German and Chinese, and its colour (print-safe, white text readable).
BADGE_WORDS = {
    ParticipantRole.DELEGATE: ("Delegierte/r", "代表"),
    ParticipantRole.SPEAKER: ("Referent/in", "发言嘉宾"),
    ParticipantRole.PRESS: ("Presse", "媒体"),
    ParticipantRole.ORGANIZER: ("Organisation", "工作人员"),
}
BADGE_COLOURS = {
    ParticipantRole.DELEGATE: "#1f4e8c",  # blue
    ParticipantRole.SPEAKER: "#b3261e",  # red
    ParticipantRole.PRESS: "#2e7d32",  # green
    ParticipantRole.ORGANIZER: "#5d4037",  # brown
}
