"""Which columns hold personal data: the marks every model's columns carry (``mapped_column(info=…)``).

Declared once, on the column. For registrations the marks decide what erasure blanks, what the
download of one's data shows and what the export offers (plenary/registration/privacy.py); for the
other models they say where personal data lies (retention, erasure of organizers' accounts).
tests/test_personal_data.py fails for any column of any model without a mark.
"""

import sqlalchemy as sa

#: Who the person is or what they told us: downloaded, blanked on erasure.
PERSONAL = {"personal": True}
#: Personal but never shown (a hash, a password): blanked on erasure, not in the download.
SECRET = {"personal": True, "download": False}
#: What happened to a registration (status, times): downloaded with the person's data, kept after erasure.
FACT = {"personal": False, "download": True}
#: Keys, bookkeeping, public content.
NOT_PERSONAL = {"personal": False}


def personal_columns(model) -> list[str]:
    """The names of ``model``'s columns marked personal (what erasure blanks), in table order."""
    return [c.key for c in sa.inspect(model).columns if c.info.get("personal") is True]
