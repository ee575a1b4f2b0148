"""What the database itself refuses: unknown values of enumeration columns, account addresses with capitals."""

import pytest
import sqlalchemy as sa

from plenary.auth.models import Role, User
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.extensions import db


def test_enumeration_columns_read_back_as_members_and_refuse_other_values(make_plenary):
    plenary = make_plenary()
    db.session.expire_all()
    assert plenary.status is PlenaryStatus.PUBLISHED and plenary.format is PlenaryFormat.HYBRID
    assert db.session.scalar(sa.select(sa.func.count()).where(Plenary.status == "published")) == 1
    with pytest.raises(sa.exc.IntegrityError):  # the CHECK, not only Python, knows the values
        db.session.execute(sa.text("UPDATE plenary SET status = 'postponed'"))
    db.session.rollback()


@pytest.mark.parametrize("email", ["Anna@example.org", "anna@EXAMPLE.ORG"])
def test_an_account_address_with_capitals_is_refused_by_the_database(app, email):
    db.session.add(User(email=email, role=Role.VIEWER, password_hash="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(User(email=email.lower(), role=Role.VIEWER, password_hash="x"))
    db.session.flush()
