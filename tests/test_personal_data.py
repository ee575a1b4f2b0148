"""Personal data is declared once, on the columns: erasure, the download and the export follow the marks."""

import sqlalchemy as sa

from plenary.extensions import db
from plenary.personal import personal_columns
from plenary.registration import privacy, signup
from plenary.registration.export import EXPORT_COLUMNS
from plenary.registration.models import Registration
from tests.conftest import person


def _unmarked(mapper) -> list[str]:
    return [c.key for c in mapper.columns if not isinstance(c.info.get("personal"), bool)]


def test_every_column_says_whether_it_is_personal(app):
    mappers = {m.class_.__name__: m for m in db.Model.registry.mappers}
    assert {"Registration", "OutboxMessage", "User", "AuditEntry", "Speaker"} <= set(mappers)
    unmarked = {name: _unmarked(mapper) for name, mapper in mappers.items() if _unmarked(mapper)}
    assert unmarked == {}, "mark these columns info=PERSONAL / NOT_PERSONAL (plenary/personal.py)"


def test_erasure_blanks_exactly_the_personal_columns(open_plenary):
    plenary = open_plenary()
    data = person("anna@example.org", salutation="ms", phone="+49 30 1234", dietary="vegan", remarks="late",
                  name_zh="安娜", organisation="Stadt", position="Mayor", consent_listing=True)
    anna = signup.register(plenary.id, data).created[0]
    db.session.commit()
    before = {c.key: getattr(anna, c.key) for c in sa.inspect(Registration).columns}
    personal = set(personal_columns(Registration))
    assert {"email", "first_name", "last_name", "phone", "dietary", "token_hash"} <= personal
    unset = [name for name in personal - {"member_id", "registered_by_name"} if before[name] in (None, False)]
    assert unset == []  # so that erasure visibly changes each of them
    privacy.erase(anna.id)
    db.session.commit()
    after = db.session.get(Registration, anna.id)
    for column in sa.inspect(Registration).columns:
        value = getattr(after, column.key)
        if column.key in personal:
            assert value == privacy.erased_value(column), column.key
        elif column.key not in ("status", "updated_at", "anonymised_at", "calendar_sequence", "calendar_method"):
            assert value == before[column.key], column.key  # what is not personal stays


def test_the_download_shows_the_marked_columns_and_no_secret(open_plenary):
    plenary = open_plenary()
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]
    db.session.commit()
    data = privacy.personal_data(anna)
    shown = set(privacy.downloaded_columns())
    assert "token_hash" not in shown and "token_salt" not in shown and "calendar_sequence" not in shown
    for name in shown - {"member_id", "registered_by_name"}:
        assert name in data, name
    assert {"member_city", "registered_by"} <= set(data) and data["email"] == "anna@example.org"


def test_the_export_offers_every_personal_column_someone_may_see():
    shown = set(privacy.downloaded_columns()) - {"member_id", "registered_by_name", "consent_privacy_at",
                                                 "consent_listing_at", "waitlisted_at", "updated_at"}  # fmt: skip
    assert shown - set(EXPORT_COLUMNS) == set(), "a personal column the back office cannot export"
