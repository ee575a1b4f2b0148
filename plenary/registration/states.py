"""Where a registration stands: its statuses and the sets of them that rules ask about.

The one home of the registration state machine (issue 10): statuses, the sets of them
(seat-holding, active, ended), the predicates, the allowed transitions and the actions an
organizer or registrant may take, and where a new or promoted person lands.
"""

from enum import StrEnum


class RegistrationStatus(StrEnum):
    """Where a registration stands."""

    PENDING = "pending"  # waits for the organizers' approval; holds a seat
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: Statuses that occupy a seat of their attendance mode.
SEAT_HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)

#: Statuses of people still taking part (holding a seat or waiting for one): they hear of changes.
ACTIVE = (*SEAT_HOLDING, RegistrationStatus.WAITLISTED)

#: Statuses that end a registration (a person may register again from them).
ENDED = (RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED)
