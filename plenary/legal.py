"""Who runs the site and what its privacy notice says about that: the legal notice's and the notice's settings.

Configured as one JSON object each (``FLASK_IMPRINT='{"OPERATOR": "…", "ADDRESS": "…"}'``, ``FLASK_PRIVACY``)
or key by key (``FLASK_IMPRINT_OPERATOR``, ``FLASK_PRIVACY_SUPERVISORY_AUTHORITY``; these win). A value is a
text for every language or an object with one text per language (``{"de": "…", "en": "…", "zh": "…"}``;
missing languages fall back as page content does). What is not configured is the alliance's placeholder
(``PLACEHOLDER_IMPRINT``); the legal notice and the privacy notice then say so on the page.
"""

from dataclasses import dataclass

from flask import current_app

from plenary.i18n import localize_any
from plenary.validation import strip_controls

#: The alliance's placeholders (from its public material): shown, and marked as such, until configured.
PLACEHOLDER_IMPRINT = {
    "OPERATOR": {
        "de": "Chinesisch-Deutsche Industriestädteallianz (ISA)",
        "en": "Sino-German Industrial Cities Alliance (ISA)",
        "zh": "中德工业城市联盟（ISA）",
    },
    "ADDRESS": {
        "de": "Sekretariat der ISA\nFoshan, Provinz Guangdong\nVolksrepublik China",
        "en": "ISA Secretariat\nFoshan, Guangdong Province\nPeople's Republic of China",
        "zh": "中国广东省佛山市\n中德工业城市联盟秘书处",
    },
    "REPRESENTATIVE": {
        "de": "Yi Liu, Generalsekretär",
        "en": "Yi Liu, Secretary General",
        "zh": "秘书长 Yi Liu",
    },
    "GERMAN_CONTACT": {
        "de": "PKS Kommunikations- und Strategieberatung GmbH, Berlin (Ansprechpartner für Mitgliedsstädte und "
        "Öffentlichkeitsarbeit der ISA in Deutschland)",
        "en": "PKS Kommunikations- und Strategieberatung GmbH, Berlin (contact for member cities and the ISA's "
        "public relations in Germany)",
        "zh": "PKS Kommunikations- und Strategieberatung GmbH，柏林（负责联络成员城市及联盟在德国的公共关系工作）",
    },
}
#: What the operator must configure (the German contact is the alliance's public fact, and may stay).
MUST_CONFIGURE = frozenset({"OPERATOR", "ADDRESS", "REPRESENTATIVE", "HOSTING", "TRANSFER_SAFEGUARDS", "SERVER_LOGS"})
#: Optional parts of the legal notice: shown only when configured.
OPTIONAL_IMPRINT = ("EMAIL", "PHONE", "REGISTER", "VAT_ID", "CONTENT_RESPONSIBLE")

#: The privacy notice's settings that depend on the operator; None leaves the sentence out.
PLACEHOLDER_PRIVACY = {
    # Where the server runs (the notice names it, and the transfer for participants in China depends on it).
    "HOSTING": {
        "de": "in der Europäischen Union",
        "en": "in the European Union",
        "zh": "欧盟境内",
    },
    # The safeguards for the transfer to the secretariat in China (Art. 46 GDPR).
    "TRANSFER_SAFEGUARDS": {
        "de": "Die Organisatoren haben die Standardvertragsklauseln der Europäischen Kommission vereinbart "
        "(Art. 46 Abs. 2 lit. c DSGVO, Durchführungsbeschluss (EU) 2021/914). Eine Kopie erhalten Sie auf Anfrage "
        "unter der oben genannten Kontaktadresse.",
        "en": "The organizers have agreed the European Commission's standard contractual clauses (Art. 46(2)(c) "
        "GDPR, Implementing Decision (EU) 2021/914). You can obtain a copy from the contact address above.",
        "zh": "各组织方已签订欧盟委员会标准合同条款（《通用数据保护条例》第46条第2款c项，欧盟第2021/914号实施决定）。"
        "如需副本，请通过上述联系地址索取。",
    },
    # How long the web server's logs (with IP addresses) are kept.
    "SERVER_LOGS": {
        "de": "Der Webserver protokolliert Aufrufe mit IP-Adresse zur Abwehr von Angriffen; diese Protokolle werden "
        "nach höchstens 14 Tagen gelöscht.",
        "en": "The web server logs requests with their IP address to fend off attacks; these logs are deleted after "
        "14 days at most.",
        "zh": "为防范网络攻击，网站服务器会记录访问请求及其IP地址；相关日志最迟于14天后删除。",
    },
}
#: Optional privacy settings: a data protection officer, the competent supervisory authority.
OPTIONAL_PRIVACY = ("DATA_PROTECTION_OFFICER", "SUPERVISORY_AUTHORITY")


@dataclass(frozen=True)
class LegalDetails:
    """The legal notice's and the privacy notice's texts in one language; ``placeholders``: what is not configured."""

    operator: str
    address: list[str]
    representative: str
    email: str
    phone: str
    register: str
    vat_id: str
    content_responsible: str
    german_contact: str
    hosting: str
    transfer_safeguards: str
    server_logs: str
    data_protection_officer: str
    supervisory_authority: str
    retention_days: int | float | None
    outbox_prune_days: int | float | None
    language_cookie_days: int
    placeholders: tuple[str, ...]


def _settings(config, name: str, placeholders: dict, optional: tuple) -> tuple[dict, list[str]]:
    """The configured values of ``name`` over the placeholders, and the keys still at their placeholder."""
    given = config.get(name)
    merged = {key.upper(): value for key, value in given.items()} if isinstance(given, dict) else {}
    for key in (*placeholders, *optional):
        if f"{name}_{key}" in config:
            merged[key] = config[f"{name}_{key}"]
    values = {key: merged.get(key, placeholders.get(key)) for key in (*placeholders, *optional)}
    return values, [f"{name}_{key}" for key in placeholders if key not in merged and key in MUST_CONFIGURE]


def _text(value, lang: str, keep: str = "") -> str:
    """A configured value as text in ``lang`` (numbers as written), without control characters."""
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str | dict):
        return ""
    return strip_controls(localize_any(value, lang).text, " ", keep=keep).strip()


def legal_details(lang: str) -> LegalDetails:
    """The legal notice and the privacy notice's settings, in ``lang``, from the app's configuration."""
    config = current_app.config
    imprint, missing = _settings(config, "IMPRINT", PLACEHOLDER_IMPRINT, OPTIONAL_IMPRINT)
    privacy, missing_privacy = _settings(config, "PRIVACY", PLACEHOLDER_PRIVACY, OPTIONAL_PRIVACY)
    address = _text(imprint["ADDRESS"], lang, keep="\n")
    return LegalDetails(
        operator=_text(imprint["OPERATOR"], lang),
        address=[line.strip() for line in address.split("\n") if line.strip()],
        representative=_text(imprint["REPRESENTATIVE"], lang),
        email=_text(imprint["EMAIL"], lang) or config["CONTACT_EMAIL"],
        phone=_text(imprint["PHONE"], lang),
        register=_text(imprint["REGISTER"], lang),
        vat_id=_text(imprint["VAT_ID"], lang),
        content_responsible=_text(imprint["CONTENT_RESPONSIBLE"], lang),
        german_contact=_text(imprint["GERMAN_CONTACT"], lang),
        hosting=_text(privacy["HOSTING"], lang),
        transfer_safeguards=_text(privacy["TRANSFER_SAFEGUARDS"], lang),
        server_logs=_text(privacy["SERVER_LOGS"], lang),
        data_protection_officer=_text(privacy["DATA_PROTECTION_OFFICER"], lang),
        supervisory_authority=_text(privacy["SUPERVISORY_AUTHORITY"], lang),
        retention_days=_days(config.get("REGISTRATION_RETENTION_DAYS")),
        outbox_prune_days=_days(config.get("OUTBOX_PRUNE_AFTER_DAYS")),
        language_cookie_days=max(1, int(config["LANGUAGE_COOKIE_MAX_AGE"]) // 86400),
        placeholders=tuple(missing + missing_privacy),
    )


def _days(value) -> int | float | None:
    """A number of days as the jobs read it (None: never), 90.0 written as 90."""
    if value is None:
        return None
    days = float(value)
    return int(days) if days.is_integer() else days
