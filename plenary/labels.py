"""Translated names of the app's fixed vocabularies (formats, agenda kinds, states)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

FORMAT_LABELS = {
    "in_person": _l("In person"),
    "online": _l("Online"),
    "hybrid": _l("Hybrid (in person and online)"),
}

#: How a past plenary's format reads: as something that happened.
HELD_FORMAT_LABELS = {
    "in_person": _l("Held in person."),
    "online": _l("Held online."),
    "hybrid": _l("Held as a hybrid assembly, in person and online."),
}

AGENDA_KIND_LABELS = {
    "opening": _l("Opening"),
    "greeting": _l("Greeting"),
    "keynote": _l("Keynote"),
    "report": _l("Report"),
    "signing": _l("Signing"),
    "presentation": _l("Presentation"),
    "panel": _l("Panel"),
    "break": _l("Break"),
    "closing": _l("Closing"),
    "other": _l("Item"),
}

REGISTRATION_LABELS = {
    "not_yet_open": _l("Registration opens soon"),
    "open": _l("Registration open"),
    "closed": _l("Registration closed"),
    "none": _l("No registration required"),
    "cancelled": _l("Cancelled"),
    "past": _l("Registration closed"),
}

ANNOUNCEMENT_KIND_LABELS = {
    "press_release": _l("Press release"),
    "greeting": _l("Greeting"),
}

COUNTRY_LABELS = {
    "DE": _l("Germany"),
    "CN": _l("China"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}

REGISTRATION_STATUS_LABELS = {
    "pending": _l("Awaiting approval"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waiting list"),
    "offered": _l("Place offered"),
    "rejected": _l("Not accepted"),
    # A cancelled registration ("storniert") is not a cancelled plenary ("abgesagt").
    "cancelled": lazy_pgettext("registration status", "Cancelled"),
}

ATTENDANCE_LABELS = {
    "in_person": _l("In person"),
    "online": _l("Online"),
}

#: The attendance record's channels (plenary/attendance): where someone actually attended.
ATTENDANCE_CHANNEL_LABELS = {
    "hall": _l("In the hall"),
    "online": _l("Online"),
}

#: What recorded an attendance: the door's check-in, a personal join link, an organizer by hand.
ATTENDANCE_SOURCE_LABELS = {
    "door": _l("Check-in at the door"),
    "join_link": _l("Personal join link"),
    "organizer": _l("By hand (organizer)"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "organizer": _l("Organizer"),
    "viewer": _l("Viewer"),
}


#: A registration's person fields as the back office names them (the export's columns, the audit log's changes).
PERSON_FIELD_LABELS = {
    "status": _l("Status"),
    "attendance": _l("Attendance"),
    "salutation": _l("Salutation"),
    "honorific": _l("Title or honorific"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "name_zh": _l("Name in Chinese characters"),
    "organisation": _l("Organisation"),
    "position": _l("Position"),
    "country": _l("Country"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "interpretation": _l("Interpretation"),
    "dietary": _l("Dietary requirements"),
    "remarks": _l("Remarks"),
    "role": _l("Role at the plenary"),
}
