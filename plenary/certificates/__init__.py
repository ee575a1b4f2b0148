"""Certificates of attendance: issued to those with an attendance record, after the plenary; the follow-up mail."""
