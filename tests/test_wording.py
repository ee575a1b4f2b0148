"""Wording as registrants read it: which mode is full, the venue, who registered a delegate, sentences in Chinese.

Tests of English text check the logic; tests in German and Chinese check the catalogues' text once they hold
the strings of this round (marked ``translated``).
"""

import sqlalchemy as sa
from flask import render_template_string

from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person


def mails(kind: str, email: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.recipient == email)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def test_the_waiting_list_mail_names_the_full_mode_and_offers_the_other(open_plenary):
    plenary = open_plenary(capacity_in_person=1, capacity_online=1)
    signup.register(plenary.id, person("seat@example.org", language="en"))
    db.session.commit()
    signup.register(plenary.id, person("wait@example.org", language="en"))
    db.session.commit()
    [mail] = mails("registration_waitlisted", "wait@example.org")
    for body in (mail.body_text, mail.body_html):
        assert "All seats in the hall are taken at the moment, so you are on the waiting list." in body
        assert "All places are taken" not in body
        assert "Online places are still free: you can switch to attending online on your personal page." in body
    signup.register(plenary.id, person("online@example.org", language="en", attendance="online"))
    db.session.commit()
    signup.register(plenary.id, person("late@example.org", language="en"))
    db.session.commit()
    [full] = mails("registration_waitlisted", "late@example.org")
    assert "All seats in the hall are taken" in full.body_text and "still free" not in full.body_text


def test_sentences_join_without_a_latin_space_after_chinese_punctuation(app):
    template = "{{ [a, b]|sentences }}|{{ [c, d]|items }}"
    with app.test_request_context("/?lang=zh"):
        joined = render_template_string(template, a="您已被列入候补名单。", b="您在…", c="A", d="B")
        assert joined == "您已被列入候补名单。您在…|A，B"
        assert render_template_string("{{ ['已签到0人', '（线下）']|sentences }}") == "已签到0人（线下）"
    with app.test_request_context("/?lang=de"):
        joined = render_template_string(template, a="Satz eins.", b="<b>", c="Stadt Köln", d="")
        assert joined == "Satz eins. &lt;b&gt;|Stadt Köln"


def test_the_personal_page_says_where_to_go(client, make_plenary):
    from tests.conftest import open_registration

    venue = {"name": {"de": "Rathaus <b>Saal</b>", "zh": "市政厅"}, "address": "Marktplatz 1",
             "city": {"de": "Köln", "zh": "科隆"}}  # fmt: skip
    plenary = make_plenary(venue=venue, registration=open_registration())
    here = signup.register(plenary.id, person("here@example.org")).created[0]
    zhang = signup.register(plenary.id, person("zhang@example.org", language="zh")).created[0]
    online = signup.register(plenary.id, person("online@example.org", attendance="online")).created[0]
    db.session.commit()
    page = client.get(f"/registrations/{token_for(here)}").get_data(as_text=True)
    address = page.split('<address class="mb-0 venue">')[1].split("</address>")[0]
    assert address == "Rathaus &lt;b&gt;Saal&lt;/b&gt;<br>Marktplatz 1<br>Köln"
    assert "Stadt Köln</bdi>, <bdi>Referentin</bdi>" in page
    chinese = client.get(f"/registrations/{token_for(zhang)}").get_data(as_text=True)
    assert "市政厅<br>Marktplatz 1<br>科隆" in chinese
    assert "venue" not in client.get(f"/registrations/{token_for(online)}").get_data(as_text=True).split("facts")[1]


def _delegation(plenary, head_salutation, colleague_first="Jonas", language="en"):
    head = person("head@example.org", salutation=head_salutation, first_name="Anna", last_name="Meier",
                  language=language)  # fmt: skip
    colleague = person("jonas@example.org", first_name=colleague_first, last_name="Becker", honorific=None,
                       salutation="mr", language=language)  # fmt: skip
    created = signup.register(plenary.id, head, [colleague]).created
    db.session.commit()
    return created[0], created[1]


def test_mails_about_the_head_use_the_heads_salutation(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, jonas = _delegation(plenary, "ms")
    client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/resend")
    [resent] = mails("registration_link_resent", "jonas@example.org")
    she = "Dr. Anna Meier has asked us to send you your personal link again; she registered you for this plenary."
    assert she in resent.body_text and she in resent.body_html
    db.session.execute(sa.update(Registration).where(Registration.id == head.id).values(salutation=None))
    db.session.commit()
    client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/cancel")
    [cancelled] = mails("registration_cancelled_by_head", "jonas@example.org")
    neutral = "Dr. Anna Meier, who registered you for this plenary, has cancelled your registration."
    assert neutral in cancelled.body_text


def test_the_heads_notices_name_the_colleague_escaped(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, jonas = _delegation(plenary, "ms", colleague_first="<b>Jonas</b>")
    done = client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/resend")
    page = client.get(done.location).get_data(as_text=True)
    assert "We have sent <bdi>&lt;b&gt;Jonas&lt;/b&gt; Becker</bdi> their personal link again" in page
    done = client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/cancel")
    page = client.get(done.location).get_data(as_text=True)
    assert "we have told <bdi>&lt;b&gt;Jonas&lt;/b&gt; Becker</bdi> by email." in page
    # Another registration's id in the URL names nobody: the neutral notice.
    stranger = signup.register(plenary.id, person("stranger@example.org", first_name="Fremd")).created[0]
    db.session.commit()
    page = client.get(f"/registrations/{token_for(head)}?done=colleague_resent&colleague={stranger.id}")
    assert "Fremd" not in page.get_data(as_text=True)


def test_the_resent_link_to_an_offered_colleague_gives_the_deadline(client, open_plenary):
    plenary = open_plenary(capacity_in_person=2, offer_hours=48)
    first = signup.register(plenary.id, person("first@example.org")).created[0]
    db.session.commit()
    head, jonas = _delegation(plenary, "ms")
    assert jonas.status == "waitlisted"
    changes.cancel(first.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, jonas.id).status == "offered"
    client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/resend")
    [resent] = mails("registration_link_resent", "jonas@example.org")
    assert "A place is held for you: please accept or decline it on your personal page by " in resent.body_text
    assert "A place is held for you" in resent.body_html


def test_chinese_pages_and_mails_join_sentences_and_items_the_chinese_way(client, make_plenary, open_plenary):
    past = make_plenary(starts_at="2021-10-15T09:00:00+02:00", ends_at="2021-10-15T12:00:00+02:00", format="online",
                        agenda=[], registration=None, slug="past", number=3)  # fmt: skip
    body = client.get(f"/plenaries/{past.slug}?lang=zh").get_data(as_text=True)
    held = body.split('class="held-note')[1].split("</p>")[0]
    assert "举行。</span>以线上形式举行。" in held
    plenary = open_plenary(capacity_in_person=10)
    _head, zhang = _delegation(plenary, "ms", language="zh")
    page = client.get(f"/registrations/{token_for(zhang)}").get_data(as_text=True)
    assert "Stadt Köln</bdi>，<bdi>Referentin</bdi>" in page
    [welcome] = [m for m in mails("registration_confirmed", "jonas@example.org")]
    assert "全体大会。我们如何处理您的个人数据" in welcome.body_text
    assert "全体大会。我们如何处理您的个人数据" in welcome.body_html


def _untranslated(app, lang: str, *msgids: str) -> bool:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(lang):
        return any(gettext(msgid) == msgid for msgid in msgids)


def test_translated_wording_in_german_and_chinese(app, client, open_plenary):
    """The new sentences as German and Chinese readers get them (the catalogues must hold them)."""
    needed = ("All seats in the hall are taken at the moment, so you are on the waiting list.",
              "%(name)s has asked us to send you your personal link again; she registered you for this plenary.")
    assert not _untranslated(app, "de", *needed) and not _untranslated(app, "zh", *needed)
    plenary = open_plenary(capacity_in_person=1, capacity_online=5)
    signup.register(plenary.id, person("seat@example.org"))
    db.session.commit()
    signup.register(plenary.id, person("wait@example.org", salutation="ms"))
    signup.register(plenary.id, person("wait-zh@example.org", language="zh", name_zh="张丽"))
    db.session.commit()
    [german] = mails("registration_waitlisted", "wait@example.org")
    assert "Sehr geehrte Frau Dr. Schmidt,\n\nim Saal sind derzeit alle Plätze vergeben" in german.body_text
    [chinese] = mails("registration_waitlisted", "wait-zh@example.org")
    assert "目前现场座位已满，您已被列入候补名单。您" in chinese.body_text
    assert "线上名额仍有空余" in chinese.body_text and "Datenschutzerklärung" not in german.body_text
    head, jonas = _delegation(open_plenary(capacity_in_person=10), "mr", language="de")
    client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/resend")
    [resent] = mails("registration_link_resent", "jonas@example.org")
    assert "Dr. Anna Meier, der Sie zu dieser Plenarversammlung angemeldet hat, hat uns gebeten" in resent.body_text


def test_an_erased_or_unknown_head_keeps_the_neutral_form(open_plenary):
    from plenary.registration import privacy
    from plenary.registration.mail_values import head_salutation

    head, jonas = _delegation(open_plenary(capacity_in_person=10), "ms")
    assert head_salutation(jonas) == "ms" and head_salutation(head) == ""
    privacy.erase(head.id)
    db.session.commit()
    assert head_salutation(db.session.get(Registration, jonas.id)) == ""
