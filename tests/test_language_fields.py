"""One text per language in back-office forms: one helper builds, reads and fills the fields of every form."""

from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from plenary.admin.content_forms import AnnouncementForm
from plenary.admin.language_fields import add_language_fields, fill_language_fields, language_values
from plenary.admin.messages import BroadcastForm
from plenary.admin.plenary_forms import MarkdownTexts, Texts
from plenary.i18n import LANGUAGES


class Sample(Form):
    key = StringField()


add_language_fields(Sample, "title", lambda lang: StringField(f"Title ({lang})"))


def test_one_field_per_language_read_and_filled_by_the_helper():
    form = Sample(MultiDict({"key": "k", "title_de": "Grußwort", "title_zh": "致辞"}))
    assert [field.name for field in form] == ["key", "title_de", "title_en", "title_zh"]
    assert language_values(form, "title") == {"de": "Grußwort", "zh": "致辞"}
    assert language_values(form, "title", keep_empty=True) == {"de": "Grußwort", "en": "", "zh": "致辞"}
    fill_language_fields(form, "title", {"en": "Greeting"})
    assert [form[f"title_{lang}"].data for lang in LANGUAGES] == [None, "Greeting", None]


def test_every_multilingual_form_has_a_field_for_each_site_language(app):
    with app.test_request_context():
        forms = [("title_", AnnouncementForm(meta={"csrf": False})), ("subject_", BroadcastForm(meta={"csrf": False})),
                 ("body_", BroadcastForm(meta={"csrf": False})), ("", Texts()), ("", MarkdownTexts())]  # fmt: skip
        for prefix, form in forms:
            names = {field.name for field in form}
            assert {prefix + lang for lang in LANGUAGES} <= names, (prefix, type(form).__name__)
