"""Badges and name plates as PDFs (pypdf): pages per sheet, names exactly, the CJK font embedded, the check-in
code, hostile and longest values, the selection and its order, the commands."""

import pytest

from plenary.badges.selection import BadgeSelection, selected
from plenary.badges.services import render_badges, render_nameplates
from plenary.checkin.services import checkin_code
from plenary.extensions import db
from tests.badge_helpers import add_person, compact, embedded_fonts, pdf_reader, pdf_text


@pytest.fixture
def nine(make_plenary):
    """A plenary with 9 confirmed people in person (张伟, ZHANG Wei via name_zh, Dr. Anna Schmidt …) and others."""
    plenary = make_plenary()
    people = [
        add_person(plenary, 1, first_name="伟", last_name="张", organisation="佛山市人民政府", role="speaker"),
        add_person(plenary, 2, first_name="Anna", last_name="Schmidt", honorific="Dr.", organisation="Stadt Köln"),
        add_person(plenary, 3, first_name="Li", last_name="Wang", name_zh="王丽", organisation="Huzhou", role="press"),
    ] + [add_person(plenary, n) for n in range(4, 10)]
    add_person(plenary, 10, first_name="Online", last_name="Only", attendance="online")
    add_person(plenary, 11, first_name="Waiting", last_name="Listed", status="waitlisted")
    db.session.commit()
    return plenary, people


def test_nine_badges_are_three_a4_sheets_with_the_names_exactly_and_the_cjk_font_embedded(nine):
    plenary, people = nine
    chosen = selected(plenary.id, BadgeSelection())
    assert len(chosen) == 9
    pdf = render_badges(plenary, chosen)
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 3
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    text = pdf_text(pdf)
    for name in (
        "张伟",
        "ZHANG Wei",
        "Dr. Anna SCHMIDT",
        "王丽",
        "WANG Li",
        "Delegierte/r · 代表",
        "Referent/in · 发言嘉宾",
        "Presse · 媒体",
        "第四十二届全体大会",
        "42. Plenarversammlung",
    ):
        assert name in text, name
    assert "Online" not in text and "Waiting" not in text
    for person in people:  # the code printed under each QR is the one the door page takes (checkin_url)
        assert checkin_code(person) in text
    fonts = embedded_fonts(pdf)
    assert fonts and all("CJK" in name for name in fonts)
    assert all("+" in name for name in fonts)  # subset fonts are named "ABCDEF+…"


def test_twenty_pages_of_badges_stay_under_one_and_a_half_megabytes(make_plenary):
    plenary = make_plenary()
    for n in range(80):
        names = {"first_name": "伟" if n % 2 else "Anna", "last_name": "张" if n % 2 else f"Schmidt{n}"}
        add_person(plenary, n, organisation=f"佛山市第{n}工业园区管理委员会" if n % 3 else f"Stadt {n}", **names)
    db.session.commit()
    pdf = render_badges(plenary, selected(plenary.id, BadgeSelection()))
    assert len(pdf_reader(pdf).pages) == 20
    assert len(pdf) <= 1.5 * 1024 * 1024


def test_other_sizes_put_more_on_a_sheet(nine):
    plenary, _people = nine
    chosen = selected(plenary.id, BadgeSelection())
    assert len(pdf_reader(render_badges(plenary, chosen, "a7")).pages) == 2  # 8 per sheet
    assert len(pdf_reader(render_badges(plenary, chosen, "card")).pages) == 1  # 10 per sheet


def test_name_plates_are_one_landscape_page_per_person(nine):
    plenary, _people = nine
    pdf = render_nameplates(plenary, selected(plenary.id, BadgeSelection()))
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 9
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)
    text = pdf_text(pdf)
    assert text.count("ZHANG Wei") == 2 and text.count("张伟") == 2  # both sides of the tent
    assert "Dr. Anna SCHMIDT" in text
    assert all("CJK" in name for name in embedded_fonts(pdf))


def test_hostile_and_longest_values_are_escaped_and_complete(make_plenary):
    plenary = make_plenary()
    longest = {"first_name": "Maximilian" * 10, "last_name": "Hohenzollern" * 8 + "Sigm", "honorific": "Prof. Dr.",
               "organisation": ("Bundesministerium für wirtschaftliche Zusammenarbeit " * 4)[:200],
               "name_zh": "欧阳" * 25}  # fmt: skip
    hostile = {"first_name": "<b>x</b>", "last_name": "{{7*7}}", "organisation": "<script>alert(1)</script> ‮RTL 🎉"}
    add_person(plenary, 1, **longest)
    add_person(plenary, 2, **hostile)
    db.session.commit()
    people = selected(plenary.id, BadgeSelection())
    for pdf in (render_badges(plenary, people), render_badges(plenary, people, "card"),
                render_nameplates(plenary, people)):  # fmt: skip
        text = compact(pdf_text(pdf))
        assert compact(f"Prof. Dr. {longest['first_name']} {longest['last_name'].upper()}") in text
        assert compact(longest["organisation"]) in text
        assert longest["name_zh"] in text
        assert "<b>x</b>{{7*7}}" in text and "49" not in text
        assert "<script>alert(1)</script>RTL" in text  # the override and the emoji are left out


def test_the_selection_filters_and_orders_by_organisation_then_family_name(nine):
    plenary, people = nine
    zhang, schmidt, wang = people[:3]
    by_role = selected(plenary.id, BadgeSelection.from_args({"role": "press"}))
    assert [r.id for r in by_role] == [wang.id]
    everyone = selected(plenary.id, BadgeSelection.from_args({"status": "any", "attendance": "any"}))
    assert len(everyone) == 11
    chosen = selected(plenary.id, BadgeSelection.from_args({"ids": f"{zhang.id}, {schmidt.id},999,x"}))
    assert [r.id for r in chosen] == [wang.id][:0] + [schmidt.id, zhang.id]  # Stadt Köln < 佛山市人民政府
    ordered = selected(plenary.id, BadgeSelection())
    assert ordered[0].id == wang.id  # "Huzhou" first; then Stadt Köln by family name: Schmidt, Test4 …
    assert [r.last_name for r in ordered[1:3]] == ["Schmidt", "Test4"]
    assert BadgeSelection.from_args({"status": "bogus", "role": "king", "delegation": "1; drop"}) == BadgeSelection()


def test_a_delegation_selects_its_head_and_delegates_and_the_badge_names_it(make_plenary):
    plenary = make_plenary()
    head = add_person(plenary, 1, first_name="Yang", last_name="Liu", organisation="Foshan Municipal Government")
    colleague = add_person(plenary, 2, first_name="Mei", last_name="Chen", organisation="Foshan Bureau of Commerce",
                           delegation_head_id=head.id)  # fmt: skip
    add_person(plenary, 3)
    db.session.commit()
    chosen = selected(plenary.id, BadgeSelection.from_args({"delegation": str(head.id)}))
    assert {r.id for r in chosen} == {head.id, colleague.id}
    text = pdf_text(render_badges(plenary, chosen))
    assert "Delegation · 代表团: Foshan Municipal Government" in text


def test_erased_registrations_are_never_printed(nine):
    plenary, people = nine
    people[0].anonymised_at = people[0].created_at
    db.session.commit()
    assert people[0].id not in [r.id for r in selected(plenary.id, BadgeSelection())]


def test_the_commands_write_the_pdfs(runner, nine, tmp_path):
    plenary, _people = nine
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["documents", "badges", plenary.slug, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pdf_reader(out.read_bytes()).pages) == 3
    plates = tmp_path / "plates.pdf"
    result = runner.invoke(args=["documents", "nameplates", plenary.slug, "--output", str(plates)])
    assert result.exit_code == 0, result.output
    assert len(pdf_reader(plates.read_bytes()).pages) == 9
    result = runner.invoke(args=["documents", "badges", plenary.slug, "--output", str(out), "--attendance", "online"])
    assert result.exit_code == 0 and len(pdf_reader(out.read_bytes()).pages) == 1


def test_the_commands_refuse_an_unknown_plenary_and_an_empty_selection(runner, nine, tmp_path):
    plenary, _people = nine
    out = tmp_path / "nothing.pdf"
    result = runner.invoke(args=["documents", "badges", "no-such-plenary", "--output", str(out)])
    assert result.exit_code == 1 and "No plenary with slug 'no-such-plenary'" in result.output
    result = runner.invoke(args=["documents", "nameplates", plenary.slug, "--output", str(out), "--status", "pending"])
    assert result.exit_code == 1 and "no PDF was written" in result.output
    assert not out.exists()


def test_a_long_honorific_has_a_line_of_its_own(make_plenary):
    plenary = make_plenary()
    add_person(plenary, 1, first_name="Friedhelm", last_name="Ost", honorific="Staatssekretär a. D.")
    db.session.commit()
    text = pdf_text(render_badges(plenary, selected(plenary.id, BadgeSelection())))
    assert "Staatssekretär a. D.\nFriedhelm OST\n" in text


def test_each_badge_carries_its_verification_url_which_follows_the_registration(nine, client):
    from plenary.documents import services as documents
    from plenary.documents.models import DocumentKind, IssuedDocument
    from plenary.registration import changes

    plenary, people = nine
    chosen = selected(plenary.id, BadgeSelection())
    preview = compact(pdf_text(render_badges(plenary, chosen, issue=False)))
    assert "/verify/" not in preview and db.session.query(IssuedDocument).count() == 0  # looking issues nothing
    text = compact(pdf_text(render_badges(plenary, chosen)))
    db.session.commit()
    zhang = people[0]
    badge = documents.current(DocumentKind.BADGE, zhang)
    assert compact(documents.verification_url(badge)) in text
    assert ["name", "ZHANG Wei 张伟"] in badge.statement
    page = client.get(f"/verify/{badge.code}?lang=de").get_data(as_text=True)
    assert "Gültig." in page and "ZHANG Wei 张伟" in page and "Namensschild" in page  # the kind, in German
    # Printed again with the same details: the same code (badges handed out stay valid).
    render_badges(plenary, chosen)
    db.session.commit()
    assert documents.current(DocumentKind.BADGE, zhang) == badge
    changes.cancel(zhang.id)
    db.session.commit()
    page = client.get(f"/verify/{badge.code}?lang=zh").get_data(as_text=True)
    assert "已撤销" in page and "报名已取消" in page
