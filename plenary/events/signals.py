"""What happens to a plenary that other areas act on (blinker; see plenary/registration/signals.py).

- ``plenary_rescheduled``: sent by ``editing.save_plenary`` when a stored plenary's time or place changed (start,
  end, zone, venue); ``sender`` is the plenary (changed, flushed), ``changed`` the names of what changed.
  Documents that state the dates or the venue (a visa letter) no longer hold.
- ``plenary_created``: sent by ``editing.save_plenary`` when it created a plenary (not flushed yet); ``sender`` is the
  plenary. Its default reminders are added then (plenary/reminders).
"""

from blinker import Namespace

_signals = Namespace()

plenary_rescheduled = _signals.signal("plenary-rescheduled")
plenary_created = _signals.signal("plenary-created")

#: What a document about a plenary may state of it: a change of these withdraws such documents.
TIME_AND_PLACE = ("starts_at", "ends_at", "timezone", "venue_name", "venue_address", "venue_city")
