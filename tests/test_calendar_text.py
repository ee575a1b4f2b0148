"""The invitation's calendar text is put together from the stored VTIMEZONE text: the same bytes as before.

``calendar_text`` (plenary.calendar.ical) skips parsing and writing the VTIMEZONE components per invitation;
it must write exactly what ``calendar(...).to_ical()`` writes. Folding's short-line shortcut likewise.
"""

import pytest
from icalendar import Event

from plenary.calendar.ical import calendar, calendar_text
from plenary.mail.outbox import _fold, fold_calendar, unfold_calendar


def _event(summary: str) -> Event:
    event = Event()
    event.add("uid", "plenary-1@plenary.example.org")
    event.add("summary", summary)
    return event


@pytest.mark.parametrize("zones", [{"Europe/Berlin"}, {"Asia/Shanghai", "Europe/Berlin"}, set()])
@pytest.mark.parametrize("method", [None, "REQUEST", "CANCEL"])
@pytest.mark.parametrize("count", [0, 1, 2])
def test_calendar_text_is_byte_for_byte_the_calendar(zones, method, count):
    events = [_event(f"Plenarversammlung in Köln 科隆 {i} " * 4) for i in range(count)]
    assert calendar_text(events, zones, method=method) == calendar(events, zones, method=method).to_ical().decode()


@pytest.mark.parametrize("line", ["", "SUMMARY:kurz", "X" * 74, "X" * 75, "ö" * 37, "ö" * 38, "科" * 24, "科" * 25,
                                  "DESCRIPTION:" + "a\\\\," * 30])  # fmt: skip
def test_folding_keeps_lines_under_75_octets_as_they_are_and_folds_longer_ones(line):
    folded = _fold(line)
    assert all(len(part.encode()) < 75 for part in folded.split("\r\n "))
    assert unfold_calendar(fold_calendar([line])) == [line]
    assert (folded == line) == (len(line.encode()) < 75)
