"""What visa letters do when a registration ends, is erased or moves online (plenary.registration.signals)."""

from plenary.registration.signals import attendance_changed, registration_ended, registration_erased
from plenary.visa import review


@registration_ended.connect
def _withdraw_on_end(sender, **_extra) -> None:
    review.registration_ended(sender)


@registration_erased.connect
def _purge_on_erasure(sender, **_extra) -> None:
    review.registration_erased(sender)


@attendance_changed.connect
def _withdraw_when_online(sender, attendance: str, **_extra) -> None:
    review.attendance_changed(sender, attendance)
