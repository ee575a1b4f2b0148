"""Attendance: one record per registration and channel (the hall's door today, online join links next)."""
