"""What registration actions refuse with: one exception per reason, each with a ``code`` for the message."""


class RegistrationError(Exception):
    """A registration action that cannot be done; ``code`` names why (for the message)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


class RegistrationClosed(RegistrationError):
    """The plenary takes no registrations now (draft, cancelled, outside the window)."""


class CapacityReached(RegistrationError):
    """No seat left in the attendance mode, and no waitlist."""


class InvalidTransition(RegistrationError):
    """The registration's status does not allow the action."""


class EmailTaken(RegistrationError):
    """Another registration of the same plenary already uses this email address."""
