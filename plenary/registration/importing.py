"""Registrations from a spreadsheet a member city sends (CSV or XLSX): reading and checking, nothing stored.

Pure: ``read_table`` turns the file's bytes into rows of text, ``parse`` maps the title row (German, English or
Chinese titles) to fields and checks every row; ``plan`` tells, row by row, where each person would land with
the seats free now. The back office (``plenary.admin.registration_import``) shows that as a preview and
registers the good rows only when the organizer confirms (``organizer.register_by_hand`` for each).
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from plenary.countries import country_names, is_country
from plenary.validation import normalised_email, text_problem

MAX_BYTES = 5 * 1024 * 1024
#: What a workbook may unpack to (2,000 rows of a few dozen columns are a few MB), and the columns read.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 60
MAX_ROWS = 2000

#: Field → the column titles accepted for it (compared without case, blanks, "*" and ":").
TITLES: dict[str, tuple[str, ...]] = {
    "salutation": ("Anrede", "Salutation", "称谓", "Form of address", "Mr/Ms"),
    "honorific": ("Titel", "Title", "Honorific", "头衔", "职称"),
    "first_name": ("Vorname", "First name", "Given name", "名"),
    "last_name": ("Nachname", "Last name", "Family name", "Surname", "Name", "姓"),
    "name_zh": ("Chinesischer Name", "Name (chinesisch)", "Chinese name", "中文姓名", "中文名"),
    "email": ("E-Mail", "Email", "E-Mail-Adresse", "Email address", "邮箱", "电子邮件", "电子邮箱"),
    "organisation": ("Organisation", "Organization", "Institution", "单位", "机构", "组织"),
    "position": ("Funktion", "Position", "Job title", "职务", "职位"),
    "country": ("Land", "Country", "国家", "国家/地区"),
    "phone": ("Telefon", "Phone", "Telephone", "电话", "手机"),
    "attendance": ("Teilnahme", "Attendance", "参会方式", "参加方式"),
    "language": ("Sprache", "Language", "语言"),
    "interpretation": ("Verdolmetschung", "Interpretation", "同传", "Dolmetschen", "Simultanverdolmetschung",
                       "Simultaneous interpretation", "同声传译"),
    "dietary": ("Ernährung", "Dietary needs", "Diet", "饮食", "饮食要求"),
    "remarks": ("Bemerkungen", "Remarks", "Notes", "备注"),
}
#: The columns of the template file, in its order (German, English and Chinese title in each).
TEMPLATE_COLUMNS = ("salutation", "honorific", "first_name", "last_name", "name_zh", "email", "organisation",
                    "position", "country", "attendance", "language", "interpretation", "phone", "dietary",
                    "remarks")  # fmt: skip
REQUIRED = ("first_name", "last_name", "email")
MAX_LENGTHS = {"honorific": 100, "first_name": 100, "last_name": 100, "name_zh": 50, "email": 254,
               "organisation": 200, "position": 200, "phone": 50, "dietary": 300, "remarks": 2000}  # fmt: skip

#: Values of the attendance and language columns (any of the three languages, or the stored value).
ATTENDANCE_VALUES = {
    "in_person": ("in_person", "vor ort", "präsenz", "in person", "on site", "现场", "线下", "现场参会"),
    "online": ("online", "digital", "线上", "在线", "网络"),
}
LANGUAGE_VALUES = {
    "de": ("de", "deutsch", "german", "德语", "德文"),
    "en": ("en", "englisch", "english", "英语", "英文"),
    "zh": ("zh", "chinesisch", "chinese", "中文", "汉语", "简体中文"),
}
#: The salutation column's values → the form's salutations (registration.forms.SALUTATIONS); "." is ignored.
SALUTATION_VALUES = {
    "mr": ("herr", "hr", "mr", "mister", "sir", "先生"),
    "ms": ("frau", "fr", "ms", "mrs", "miss", "madam", "女士", "小姐", "夫人"),
    "mx": ("mx", "divers"),
}
#: The interpretation column's values (an empty cell: no interpretation).
YES_NO_VALUES = {
    "yes": ("ja", "j", "yes", "y", "x", "1", "true", "wahr", "是", "需要", "要", "有"),
    "no": ("nein", "n", "no", "0", "false", "falsch", "-", "否", "不需要", "不要", "无", "不"),
}
COUNTRY_VALUES = {"DE": ("de", "deutschland", "germany", "德国"), "CN": ("cn", "china", "中国", "volksrepublik china")}


def _country(value: str) -> str | None:
    """The ISO code of a country given by its code or its name in German, English or Chinese (None: unknown)."""
    code = value.strip().upper()
    if is_country(code):
        return code
    key = value.strip().casefold()
    for lang in ("de", "en", "zh"):
        for known, name in country_names(lang).items():
            if name.casefold() == key and is_country(known):
                return known
    return None


class ImportFileError(Exception):
    """The file cannot be read as a table (``code``: too_big, too_many_rows, unreadable, empty, no_titles)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass
class ImportRow:
    """One row of the file: its number there, the values as the registration services take them, its problems."""

    number: int
    data: dict
    #: (field or "" for the whole row, problem code) — e.g. ("email", "invalid"), ("", "already_registered").
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: Where the person would land: "confirmed", "pending", "waitlisted", or "refused" (no seat, no waitlist).
    outcome: str = ""
    #: The cells not understood (field → the text as the file has it), to name them in the preview.
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if the row can be registered."""
        return not self.problems and self.outcome != "refused"


def _key(title: object) -> str:
    return "".join(str(title or "").split()).strip("*:：").casefold()


_TITLE_KEYS = {_key(title): name for name, titles in TITLES.items() for title in titles}


def column_field(title: object) -> str | None:
    """The field a column title names ("Vorname", "First name", "名", or the template's "Vorname / First name / 名")."""
    key = _key(title)
    if key in _TITLE_KEYS:
        return _TITLE_KEYS[key]
    found = {_TITLE_KEYS[_key(part)] for part in str(title or "").split("/") if _key(part) in _TITLE_KEYS}
    return found.pop() if len(found) == 1 else None


def _decode(data: bytes) -> str:
    """The CSV's text: UTF-8 (with or without BOM), else GB18030 (Chinese Excel; a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("unreadable")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)  # German Excel writes semicolons
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only uploads of workbooks need it (a heavy import)

    try:
        # A workbook is a zip: a small upload can unpack to a sheet of millions of cells (a "cell bomb"),
        # which would hold a worker for minutes. What it unpacks to is read from its directory first.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        workbook = None if unpacked > MAX_UNPACKED_BYTES else load_workbook(io.BytesIO(data), read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError("unreadable") from exc
    if workbook is None:
        raise ImportFileError("too_big")
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError("empty")
        rows = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(rows) > MAX_ROWS + 1:
                break
            rows.append(["" if v is None else _cell_text(v) for v in values])
    # A sheet's XML is only parsed row by row: a cut-off or broken one (ParseError is a SyntaxError) fails here.
    except (SyntaxError, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, EOFError) as exc:
        raise ImportFileError("unreadable") from exc
    finally:
        workbook.close()
    return rows


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number Excel made a number
    return str(value)


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The rows of the uploaded file (CSV or XLSX, told by its name or its first bytes) as texts."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("too_big")
    if not data.strip():
        raise ImportFileError("empty")
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"
    try:
        rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    except csv.Error as exc:
        raise ImportFileError("unreadable") from exc
    rows = [row for row in rows if any(str(cell).strip() for cell in row)]
    if not rows:
        raise ImportFileError("empty")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError("too_many_rows", rows=len(rows) - 1)
    return rows


def _choice(value: str, choices: dict[str, tuple[str, ...]]) -> str | None:
    key = value.strip().casefold()
    for stored, spellings in choices.items():
        if key in spellings or key == stored.casefold():
            return stored
    return None


def parse(rows: list[list[str]], modes: tuple[str, ...], default_language: str, known_emails: set[str],
          ) -> tuple[dict[int, str], list[ImportRow]]:  # fmt: skip
    """The columns understood (index → field) and every row checked; NoTitles if no title row is recognised.

    Problems named per row and column: missing, too_long, control (a control character or line break),
    formula (a cell that starts with "="), invalid (email, attendance, language, country,
    salutation, interpretation: the text kept in ``unread``), duplicate (the
    same address earlier in the file), already_registered, not_offered (an attendance mode the plenary lacks).
    """
    header = {}
    for i, title in enumerate(rows[0]):
        name = column_field(title)
        if name and name not in header.values():
            header[i] = name
    if not set(REQUIRED) <= set(header.values()):
        raise ImportFileError("no_titles", missing=[f for f in REQUIRED if f not in header.values()])
    seen: set[str] = set()
    checked = []
    for number, row in enumerate(rows[1:], start=2):
        item = ImportRow(number=number, data={"language": default_language, "attendance": modes[0]})
        for index, name in header.items():
            _check_cell(item, name, str(row[index]) if index < len(row) else "", modes)
        for name in REQUIRED:
            if not item.data.get(name) and (name, "missing") not in item.problems and not _has(item, name):
                item.problems.append((name, "missing"))
        email = item.data.get("email")
        if email:
            if email in seen:
                item.problems.append(("email", "duplicate"))
            elif email in known_emails:
                item.problems.append(("", "already_registered"))
            seen.add(email)
        checked.append(item)
    return header, checked


def _has(item: ImportRow, name: str) -> bool:
    return any(column == name for column, _ in item.problems)


def _check_cell(item: ImportRow, name: str, raw: str, modes: tuple[str, ...]) -> None:
    value = raw.strip().replace("\t", " ")
    if not value:
        return
    if value.startswith("="):
        item.problems.append((name, "formula"))
        return
    if text_problem(value, multiline=name == "remarks") is not None:
        item.problems.append((name, "control"))
        return
    if name in MAX_LENGTHS and len(value) > MAX_LENGTHS[name]:
        item.problems.append((name, "too_long"))
        return
    if name == "email":
        email = normalised_email(value)
        if email is None:
            _not_understood(item, name, value)
        else:
            item.data["email"] = email
    elif name == "attendance":
        mode = _choice(value, ATTENDANCE_VALUES)
        if mode is None:
            _not_understood(item, name, value)
        elif mode not in modes:
            item.problems.append((name, "not_offered"))
        else:
            item.data["attendance"] = mode
    elif name == "language":
        language = _choice(value, LANGUAGE_VALUES)
        if language is None:
            _not_understood(item, name, value)
        else:
            item.data["language"] = language
    elif name == "country":
        country = _choice(value, COUNTRY_VALUES) or _country(value)
        if country is None:
            _not_understood(item, name, value)
        else:
            item.data["country"] = country
    elif name == "salutation":
        salutation = _choice(value.rstrip("."), SALUTATION_VALUES)
        if salutation is None:
            _not_understood(item, name, value)
        else:
            item.data["salutation"] = salutation
    elif name == "interpretation":
        answer = _choice(value.rstrip("."), YES_NO_VALUES)
        if answer is None:
            _not_understood(item, name, value)
        else:
            item.data["interpretation"] = answer == "yes"
    else:
        item.data[name] = value


def _not_understood(item: ImportRow, name: str, value: str) -> None:
    item.problems.append((name, "invalid"))
    item.unread[name] = value


def plan(rows: list[ImportRow], free: dict[str, int | None], waitlist: bool, seat_status: str) -> None:
    """Set each good row's ``outcome`` in file order: a seat while ``free`` (None: no limit), else the waitlist."""
    left = dict(free)
    for row in rows:
        if row.problems:
            row.outcome = ""
            continue
        mode = row.data["attendance"]
        if left.get(mode) is None or left[mode] > 0:
            if left.get(mode) is not None:
                left[mode] -= 1
            row.outcome = seat_status
        else:
            row.outcome = "waitlisted" if waitlist else "refused"


def template_rows() -> list[list[str]]:
    """The title row of the template file: each column titled in German, English and Chinese."""
    return [[" / ".join((TITLES[name][0], _english(name), _chinese(name))) for name in TEMPLATE_COLUMNS]]


def _english(name: str) -> str:
    return next(t for t in TITLES[name][1:] if t.isascii())


def _chinese(name: str) -> str:
    return next(t for t in TITLES[name] if not t.isascii() and any("\u4e00" <= c <= "\u9fff" for c in t))
