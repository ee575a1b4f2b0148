"""What happens to a registration that other areas act on, published as signals (blinker, as Indico does).

The registration package knows nothing of the areas built on it (documents, visa letters, questions): they
connect to these signals, so that erasure and cancellation stay one path each.

- ``registration_erased``: sent by ``privacy.anonymise`` *before* the personal columns are blanked
  (``sender`` is the registration; its data is still readable). Receivers delete what they hold about the
  person; they flush, never commit.
- ``registration_ended``: sent by ``states.change_status`` when a registration moves into one of ``ENDED``
  (rejected, cancelled — by the person, an organizer, a head, erasure or a lapsed offer); ``sender`` is the
  registration, ``action`` the transition's action.
- ``attendance_changed``: sent by ``changes.move_attendance`` after a registration switched its attendance
  (in person ↔ online); ``sender`` is the registration, ``attendance`` the new mode. Receivers flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

registration_erased = _signals.signal("registration-erased")
registration_ended = _signals.signal("registration-ended")
attendance_changed = _signals.signal("attendance-changed")
