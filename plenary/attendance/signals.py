"""What the attendance record tells the areas above it (blinker): documents that rest on it listen."""

from blinker import Namespace

_signals = Namespace()

#: An attendance record was deleted (an arrival undone); ``sender`` is the registration, ``channel`` the channel.
attendance_undone = _signals.signal("attendance-undone")

#: A new attendance record was made (not a repeated sighting); ``sender`` is the registration.
attendance_recorded = _signals.signal("attendance-recorded")
