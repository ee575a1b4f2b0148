"""Personal join links (``/join/<token>``): an online attendee's own way into the meeting."""
