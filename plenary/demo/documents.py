"""Demo: the documents of the day and the follow-up texts of the 10th plenary (15 October 2021, long over).

Two PDFs (the work report's slides, public; the study, for registrants only), the signed MoU of the pilot city
(public) and the recording (a link), each with its agenda item; and the organizers' follow-up messages in three
languages. Added once: a plenary that has documents of the day keeps them (an organizer may have changed them).
The PDFs are tiny but valid one-page files written here (no renderer needed).
"""

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.followup import documents, messages
from plenary.followup.models import DocumentKind, DocumentVisibility
from plenary.i18n import localize

RECORDING_URL = "https://video.isa-alliance.example/plenary-10/recording"


def tiny_pdf(*lines: str) -> bytes:
    """A valid one-page A4 PDF showing ``lines`` (ASCII) in Helvetica, with a correct cross-reference table."""
    shown = (f"BT /F1 {18 if n == 0 else 12} Tf 56 {780 - 28 * n} Td ({_escape(line)}) Tj ET\n"
             for n, line in enumerate(lines))  # fmt: skip
    text = "".join(shown).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


#: (title, kind, visibility, the agenda item's position (0-based) or None, PDF lines or None for the recording).
DOCUMENTS = (
    ({"de": "Folien: Arbeitsbericht – Fünf Jahre ISA", "en": "Slides: work report – five years of the ISA",
      "zh": "演示文稿：工作报告——联盟成立五周年"}, DocumentKind.PRESENTATION, DocumentVisibility.PUBLIC, 0,
     ("ISA - 10th Plenary Assembly, 15 October 2021", "Work report: five years of the ISA", "Demo document")),
    ({"de": "Unterzeichnete Absichtserklärung: Pilotstadt Foshan", "en": "Signed MoU: pilot city Foshan",
      "zh": "已签署的谅解备忘录：佛山试点城市"}, DocumentKind.AGREEMENT, DocumentVisibility.PUBLIC, 2,
     ("Memorandum of Understanding", "Pilot City of the Sino-German Industrie 4.0 Learning Platform",
      "Signed by GIZ and the City of Foshan, 15 October 2021", "Demo document")),
    ({"de": "Studie zum Markenimage (vollständige Fassung)", "en": "Brand image study (full version)",
      "zh": "品牌形象研究报告（完整版）"}, DocumentKind.PRESENTATION, DocumentVisibility.REGISTRANTS, 3,
     ("Study on the brand image of German and Chinese companies", "Full version for registrants", "Demo document")),
    ({"de": "Aufzeichnung der Plenarversammlung", "en": "Recording of the plenary assembly", "zh": "全体大会录像"},
     DocumentKind.RECORDING, DocumentVisibility.PUBLIC, None, None),
)  # fmt: skip

FOLLOW_UP = {
    "attended": (
        {"de": "Danke für Ihre Teilnahme an der 10. Plenarversammlung", "en": "Thank you for taking part in the 10th "
         "plenary", "zh": "感谢您参加第十届全体大会"},
        {"de": "Vielen Dank, dass Sie beim **fünfjährigen Jubiläum** der Allianz dabei waren. Die Folien, "
               "die unterzeichnete Absichtserklärung und die Aufzeichnung finden Sie unten.",
         "en": "Thank you for joining the alliance's **fifth anniversary**. The slides, the signed MoU and the "
               "recording are below.",
         "zh": "感谢您参加联盟**成立五周年**大会。演示文稿、已签署的谅解备忘录和会议录像见下方。"},
    ),
    "absent": (
        {"de": "Die Unterlagen der 10. Plenarversammlung", "en": "The documents of the 10th plenary",
         "zh": "第十届全体大会资料"},
        {"de": "Schade, dass Sie nicht dabei sein konnten. Die Unterlagen und die Aufzeichnung der Plenarversammlung "
               "finden Sie unten.",
         "en": "We are sorry you could not take part. The documents and the recording of the plenary are below.",
         "zh": "很遗憾您未能出席。全体大会的资料和录像见下方。"},
    ),
}  # fmt: skip


def load_demo_documents(slug: str = "10th-plenary") -> str:
    """Give plenary ``slug`` its documents of the day and follow-up texts unless it has some; a report line."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        return "Documents of the day: no plenary " + slug
    if not documents.documents_of(plenary.id):
        items = plenary.agenda_items
        for title, kind, visibility, item, lines in DOCUMENTS:
            agenda_item = items[item] if item is not None and item < len(items) else None
            documents.add_document(plenary.id, documents.DocumentInput(
                title=title, kind=kind, visibility=visibility, agenda_item_id=agenda_item.id if agenda_item else None,
                pdf=tiny_pdf(*lines) if lines else None, url=None if lines else RECORDING_URL))  # fmt: skip
    if messages.settings(plenary.id) is None:
        messages.save(plenary.id, True, True, FOLLOW_UP)
    count = len(documents.documents_of(plenary.id))
    return f"Documents of the day of the {localize(plenary.title, 'en').text}: {count} (/plenaries/{slug}#documents)"
