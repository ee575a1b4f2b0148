"""Back office: the audit log page and account management (admins only)."""

import pytest
import sqlalchemy as sa
from flask import g

from plenary.audit.models import AuditEntry
from plenary.audit.services import record
from plenary.auth.models import User
from plenary.extensions import db
from plenary.registration import signup
from tests.conftest import PASSWORD, login, person
from tests.helpers import entries


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


# --- audit log --------------------------------------------------------------------------------------------------


def test_audit_log_is_for_admins_and_shows_before_and_after(client, accounts, open_plenary):
    plenary = open_plenary()
    registration = signup.register(plenary.id, person("x@example.org")).created[0]
    db.session.commit()
    login(client, "organizer@isa.example")
    assert client.get("/admin/audit").status_code == 403
    client.post(f"/admin/registrations/{registration.id}/cancel")
    client.post("/admin/logout")

    login(client, "admin@isa.example")
    html = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "registration.status" in html and "registration.created" in html
    assert "organizer@isa.example" in html and "System" in html  # the service ran outside a request
    assert f'href="/admin/registrations/{registration.id}"' in html
    assert "Confirmed" in html and "Cancelled" in html  # before → after, named
    assert "(UTC+0" in html  # Berlin time with its offset

    only = client.get(f"/admin/audit?lang=en&actor=organizer@isa.example&action=registration.&plenary={plenary.id}")
    text = only.get_data(as_text=True)
    assert "registration.status" in text and "registration.created" not in text
    assert "1 entry" in text
    none = client.get("/admin/audit?lang=en&object_type=registration&object_id=999").get_data(as_text=True)
    assert "No entries." in none
    assert client.get("/admin/audit?page=abc&plenary=x&object_id=-1&action=%25").status_code == 200


def test_long_values_are_shortened_with_the_full_value_in_details(client, accounts):
    long = "lang " * 60 + "ENDE"
    record("site.test", None, summary="<b>Zusammenfassung</b>",
           changes={"text": ["kurz", long], "list": [None, [1, {"a": "中"}]]})
    db.session.commit()
    login(client, "admin@isa.example")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "<details>" in html and "ENDE" in html and html.index("<details>") < html.index("ENDE")
    assert "&lt;b&gt;Zusammenfassung" in html and '[1, {&#34;a&#34;: &#34;中&#34;}]' in html


def test_audit_log_pages_by_fifty(client, accounts):
    for i in range(120):
        record("site.test", None, summary=f"entry {i:03d}")
    db.session.commit()
    login(client, "admin@isa.example")
    first = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "entry 119" in first and "entry 069" not in first and "entry 070" in first and "Page 1 of 3" in first
    third = client.get("/admin/audit?lang=en&page=3").get_data(as_text=True)
    assert "entry 000" in third and "entry 020" not in third


def test_there_are_no_routes_to_change_the_log(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert [r.rule for r in rules] == ["/admin/audit"] and rules[0].methods <= {"GET", "HEAD", "OPTIONS"}


# --- accounts ---------------------------------------------------------------------------------------------------


def test_accounts_are_for_admins_only(client, accounts):
    for email in ("organizer@isa.example", "viewer@isa.example"):
        login(client, email)
        assert client.get("/admin/accounts").status_code == 403
        assert client.get("/admin/accounts/new").status_code == 403
        assert client.post("/admin/accounts/new", data={"email": "n@isa.example", "role": "admin"}).status_code == 403
        target = accounts["viewer"].id
        assert client.post(f"/admin/accounts/{target}/edit", data={"role": "admin", "active": "y"}).status_code == 403
        assert client.post(f"/admin/accounts/{target}/password", data={"password": "x" * 20}).status_code == 403
        client.post("/admin/logout")
    assert user("n@isa.example") is None and user("viewer@isa.example").role == "viewer"
    assert entries("account.create") == [] and entries("account.password") == []


def test_admin_creates_an_account_with_a_password_or_a_generated_one(client, accounts):
    login(client, "admin@isa.example")
    listing = client.get("/admin/accounts?lang=en").get_data(as_text=True)
    assert "organizer@isa.example" in listing and "Viewer" in listing
    response = client.post("/admin/accounts/new", data={"email": "Neu@ISA.example", "name": "Neu", "role": "organizer",
                                                        "password": "a long password 1"})
    assert response.status_code == 302
    created = user("neu@isa.example")
    assert created.role == "organizer" and created.name == "Neu" and created.check_password("a long password 1")
    entry = entries("account.create")[0]
    assert entry.changes["email"] == [None, "neu@isa.example"] and entry.actor == "admin@isa.example"

    generated = client.post("/admin/accounts/new?lang=en", data={"email": "gen@isa.example", "role": "viewer"})
    assert generated.status_code == 200 and "shown only this once" in generated.get_data(as_text=True)
    password = generated.get_data(as_text=True).split('<code class="user-select-all">')[1].split("</code>")[0]
    assert len(password) >= 12 and user("gen@isa.example").check_password(password)
    assert password not in str([e.changes for e in db.session.scalars(sa.select(AuditEntry))])

    client.post("/admin/logout")
    assert login(client, "gen@isa.example", password).status_code == 302


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "kurz@isa.example", "role": "viewer", "password": "short"}, "at least 12 characters"),
    ({"email": "lang@isa.example", "role": "viewer", "password": "A" * 5000}, "longer than 200 characters"),
    ({"email": "not an address", "role": "viewer"}, "Please enter a valid email address."),
    ({"email": "organizer@isa.example", "role": "viewer"}, "There is an account with this address already."),
    ({"email": "x@isa.example", "role": "emperor"}, "Not a valid choice."),
])  # fmt: skip
def test_account_validation(client, accounts, data, message):
    login(client, "admin@isa.example")
    response = client.post("/admin/accounts/new?lang=en", data={"name": "Kept Name", **data})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Kept Name" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3
    assert entries("account.create") == []


def test_edit_role_and_name_is_logged(client, accounts):
    login(client, "admin@isa.example")
    viewer = accounts["viewer"]
    assert client.get(f"/admin/accounts/{viewer.id}/edit").status_code == 200
    data = {"name": "Vera", "role": "organizer", "active": "y"}
    response = client.post(f"/admin/accounts/{viewer.id}/edit", data=data)
    assert response.status_code == 302
    assert viewer.role == "organizer" and viewer.name == "Vera" and viewer.is_active
    assert entries("account.update")[0].changes == {"name": [None, "Vera"], "role": ["viewer", "organizer"]}
    assert client.get("/admin/accounts/999/edit").status_code == 404
    assert client.post("/admin/accounts/999/password", data={"password": ""}).status_code == 404


def test_the_last_active_admin_is_protected_and_nobody_deactivates_themself(client, accounts):
    admin = accounts["admin"]
    login(client, "admin@isa.example")
    demote = client.post(f"/admin/accounts/{admin.id}/edit?lang=en", data={"role": "organizer", "active": "y"})
    assert demote.status_code == 400 and "last active administrator" in demote.get_data(as_text=True)
    myself = client.post(f"/admin/accounts/{admin.id}/edit?lang=en", data={"role": "admin"})
    assert myself.status_code == 400 and "You cannot deactivate your own account." in myself.get_data(as_text=True)
    assert admin.role == "admin" and admin.is_active and entries("account.update") == []

    # With a second admin, the first may step down; then the second is the last one.
    other = accounts["organizer"]
    client.post(f"/admin/accounts/{other.id}/edit", data={"role": "admin", "active": "y"})
    assert client.post(f"/admin/accounts/{admin.id}/edit", data={"role": "organizer", "active": "y"}).status_code == 302
    assert admin.role == "organizer" and other.role == "admin"
    assert client.get("/admin/accounts").status_code == 403  # no longer an admin
    client.post("/admin/logout")
    login(client, "organizer@isa.example")
    last = client.post(f"/admin/accounts/{other.id}/edit?lang=en", data={"role": "admin"})
    assert last.status_code == 400  # itself, and the last admin
    assert other.is_active and other.role == "admin"


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(app, client, accounts):
    organizer_client = app.test_client()
    login(organizer_client, "organizer@isa.example")
    assert organizer_client.get("/admin/").status_code == 200
    login(client, "admin@isa.example")
    organizer = accounts["organizer"]
    assert client.post(f"/admin/accounts/{organizer.id}/edit", data={"role": "organizer"}).status_code == 302
    assert organizer.is_active is False
    assert entries("account.update")[0].changes == {"active": [True, False]}
    # The tests keep one application context open, and Flask-Login caches the request's user on ``g``
    # (in production every request has a context of its own): forget it, as a new request would.
    g.pop("_login_user", None)
    response = organizer_client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    assert login(organizer_client, "organizer@isa.example").status_code == 400
    g.pop("_login_user", None)
    assert "Deactivated" in client.get("/admin/accounts?lang=en").get_data(as_text=True)


def test_admin_sets_a_password_and_the_log_holds_no_password(client, accounts):
    login(client, "admin@isa.example")
    viewer = accounts["viewer"]
    old_hash = viewer.password_hash
    short = client.post(f"/admin/accounts/{viewer.id}/password?lang=en", data={"password": "kurz"})
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    response = client.post(f"/admin/accounts/{viewer.id}/password", data={"password": "the new secret 42"})
    assert response.status_code == 302
    assert viewer.check_password("the new secret 42") and not viewer.check_password(PASSWORD)
    generated = client.post(f"/admin/accounts/{viewer.id}/password", data={"password": ""})
    assert generated.status_code == 200
    logged = str([(e.changes, e.summary) for e in db.session.scalars(sa.select(AuditEntry))])
    assert len(entries("account.password")) == 2
    assert "the new secret 42" not in logged and old_hash not in logged and "scrypt" not in logged
