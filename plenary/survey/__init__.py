"""The short survey after a plenary: 3–5 questions (ratings and free text, in three languages), anonymous or not,
answered once per attendee through the personal link; results in the statistics and an export."""
