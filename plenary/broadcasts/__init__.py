"""Messages the organizers write to a filtered set of a plenary's registrations (broadcasts).

The request stores a Broadcast (texts, filters, recipients) and returns; the worker renders one
outbox message per recipient (``rendering``) and the outbox delivers them like every other mail.
"""
