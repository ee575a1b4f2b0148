"""Shared setup of the visa letter tests: an app with letters on, a plenary that offers them, a Chinese delegate."""

from datetime import date

from cryptography.fernet import Fernet

from plenary.extensions import db
from plenary.registration import signup
from plenary.visa import services
from tests.conftest import person

KEY = Fernet.generate_key().decode("ascii")
#: What a stranger may type (the forms refuse control characters such as bidi overrides; RTL letters and emoji pass).
HOSTILE = '<script>alert(1)</script>{{7*7}} "Müller" שלום 🛂'

#: A valid request as the form posts it (the plenary: 15 October 2031 in Köln).
GOOD = {
    "passport_name": "ZHANG WEI", "passport_number": "E12345678", "passport_expiry": "2033-01-31",
    "nationality": "CN", "birth_date": "1980-05-04", "birth_place": "Foshan", "entry_date": "2031-10-13",
    "exit_date": "2031-10-18", "mission": "de-guangzhou",
}  # fmt: skip


def as_data(form: dict) -> dict:
    """The form's values as the service takes them (dates parsed)."""
    data = {"mission_other": None, "english": False, **form}
    for key in ("passport_expiry", "birth_date", "entry_date", "exit_date"):
        data[key] = date.fromisoformat(form[key])
    return data


def offering(plenary, **settings):
    """Let ``plenary`` offer visa letters (host Germany unless given)."""
    values = {"offered": True, "host_country": "DE", "signatory_name": {"de": "Dr. Klaus Weber", "zh": "魏克劳"},
              "signatory_function": {"de": "Generalsekretär", "zh": "秘书长"}} | settings  # fmt: skip
    services.save_settings(plenary, values)
    db.session.commit()
    return plenary


def register(plenary, email="zhang.wei@example.cn", **overrides):
    """A confirmed Chinese delegate (in person) of ``plenary``, committed."""
    data = person(email, honorific=None, first_name="Wei", last_name="Zhang", name_zh="张伟", country="CN",
                  language="zh", organisation="佛山市人民政府", position="处长") | overrides  # fmt: skip
    registration = signup.register(plenary.id, data).created[0]
    db.session.commit()
    return registration


def request_letter(registration, **changes):
    """Store a valid request through the service, committed."""
    visa = services.submit(registration, as_data(GOOD | changes), date(2031, 9, 1))
    db.session.commit()
    return visa
