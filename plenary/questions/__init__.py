"""Questions the organizers ask of a plenary's registrants: on the sign-up form, and follow-ups after confirmation."""
