"""Rows of a form that a button adds or removes (delegates, speakers, parties), without JavaScript.

One way to rebuild a WTForms FieldList from values, and to remove the row a button names; the row
number goes through ``validation.row_index`` (digits only, within the rows shown).
"""

from collections.abc import Callable

from plenary.validation import row_index


def replace_rows(field_list, values: list, fill: Callable | None = None) -> None:
    """Replace the rows of ``field_list`` by ``values``: each the row's data, or put in by ``fill(form, value)``."""
    while field_list.entries:
        field_list.pop_entry()
    for value in values:
        if fill is None:
            field_list.append_entry(value)
        else:
            field_list.append_entry()
            fill(field_list.entries[-1].form, value)


def remove_row(field_list, pressed: str | None, read: Callable = lambda entry: entry.data,
               fill: Callable | None = None) -> bool:  # fmt: skip
    """Remove the row whose number ``pressed`` names (a "remove" button's value); False if it names none.

    ``read(entry)`` gives a row's value and ``fill`` puts it back (see ``replace_rows``).
    """
    position = row_index(pressed, len(field_list.entries))
    if position is None:
        return False
    values = [read(entry) for entry in field_list.entries]
    del values[position]
    replace_rows(field_list, values, fill)
    return True


def add_row(field_list, most: int) -> bool:
    """Add an empty row unless ``field_list`` has ``most`` rows already; True if one was added."""
    if len(field_list.entries) >= most:
        return False
    field_list.append_entry()
    return True
