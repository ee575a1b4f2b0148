"""Demo data: the 9th, 10th and an upcoming 11th plenary, in the exchange format.

The 9th and 10th follow the public record (shared/DOMAIN.md). Where it is silent
(the exact day of the 9th, the hours of both) the demo picks a German-morning,
Chinese-afternoon slot, as the alliance's plenaries usually run. The 11th is ours.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plenary.config import DEFAULT_TIMEZONE

BERLIN = ZoneInfo(DEFAULT_TIMEZONE)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTACT = "plenary@isa-alliance.example"

YI_LIU = {
    "name": "Yi Liu",
    "name_zh": None,
    "honorific": None,
    "position": {"de": "Generalsekretär der ISA", "en": "Secretary General of the ISA", "zh": "联盟秘书长"},
    "organisation": {"de": "ISA-Sekretariat, Foshan", "en": "ISA Secretariat, Foshan", "zh": "联盟秘书处（佛山）"},
}
FRIEDHELM_OST = {
    "name": "Friedhelm Ost",
    "name_zh": "弗里德黑尔姆·奥斯特",  # as Chinese reports of the alliance write him
    "honorific": {"de": "Staatssekretär a. D.", "en": "State Secretary (ret.)", "zh": "前国务秘书"},
    "position": {
        "de": "Sprecher der ISA auf deutscher Seite",
        "en": "Spokesman of the ISA on the German side",
        "zh": "联盟德方发言人",
    },
    "organisation": None,
}
CIPA = {
    "de": "Investitionsförderagentur des chinesischen Handelsministeriums (CIPA)",
    "en": "Investment Promotion Agency of the Ministry of Commerce of China (CIPA)",
    "zh": "中国商务部投资促进事务局",
}
NRW_GLOBAL = "NRW.Global Business"
AHK = {"de": "Deutsche Handelskammer in China", "en": "German Chamber of Commerce in China", "zh": "中国德国商会"}
GIZ = {
    "de": "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)",
    "en": "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)",
    "zh": "德国国际合作机构（GIZ）",
}
FOSHAN = {"de": "Stadt Foshan", "en": "City of Foshan", "zh": "佛山市人民政府"}


def _representative(organisation) -> dict:
    return {"name": None, "name_zh": None, "honorific": None, "position": {}, "organisation": organisation}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def ninth_plenary() -> dict:
    """The 9th plenary, October 2020, held online."""
    start = datetime(2020, 10, 22, 9, 0, tzinfo=BERLIN)
    return {
        "slug": "9th-plenary",
        "number": 9,
        "title": {
            "de": "9. Plenarversammlung der ISA",
            "en": "9th Plenary Assembly of the ISA",
            "zh": "中德工业城市联盟第九届全体大会",
        },
        "summary": {
            "de": "Erstmals digital: deutsch-chinesische kommunale Zusammenarbeit und eine Studie "
            "zur Kooperation deutscher und chinesischer Unternehmen.",
            "en": "Online for the first time: Sino-German municipal cooperation and a study on how "
            "German and Chinese companies cooperate.",
            "zh": "首次以线上形式举行：聚焦中德城市合作，发布中德企业合作研究报告。",
        },
        "description": {
            "de": "Die 9. Plenarversammlung fand im Oktober 2020 **digital** statt. Im Mittelpunkt stand "
            "die deutsch-chinesische Zusammenarbeit der Kommunen.\n\nVorgestellt wurde eine von der ISA "
            "beauftragte Studie: Deutsche und chinesische Unternehmen werden vor allem in Forschung und "
            "Entwicklung zusammenarbeiten. Als vielversprechende Felder nennt sie\n\n"
            "- künstliche Intelligenz,\n- Elektromobilität,\n- autonomes Fahren und\n- automatisierte Produktion.",
            "en": "The 9th plenary assembly took place **online** in October 2020. It focused on "
            "Sino-German cooperation between municipalities.\n\nIt presented a study commissioned by the "
            "ISA: German and Chinese companies will cooperate mainly in research and development. "
            "Promising fields are\n\n- artificial intelligence,\n- e-mobility,\n- autonomous driving and\n"
            "- automated production.",
            "zh": "第九届全体大会于2020年10月以**线上**形式举行，重点讨论中德城市间的合作。\n\n"
            "会上发布了联盟委托开展的研究：中德企业今后将主要在研发领域开展合作，"
            "前景广阔的领域包括\n\n- 人工智能\n- 电动出行\n- 自动驾驶\n- 自动化生产",
        },
        "timezone": DEFAULT_TIMEZONE,
        "starts_at": _iso(start),
        "ends_at": _iso(start + timedelta(hours=2, minutes=30)),
        "format": "online",
        "venue": None,
        "online_url": "https://meet.isa-alliance.example/plenary-9",
        "status": "published",
        "contact_email": CONTACT,
        "registration": {
            "opens_at": _iso(datetime(2020, 9, 1, 9, 0, tzinfo=BERLIN)),
            "closes_at": _iso(datetime(2020, 10, 20, 18, 0, tzinfo=BERLIN)),
            "capacity_in_person": None,
            "capacity_online": None,
            "waitlist": False,
            "requires_approval": False,
        },
        "agenda": [
            {
                "kind": "panel",
                "title": {
                    "de": "Deutsch-chinesische kommunale Zusammenarbeit",
                    "en": "Sino-German municipal cooperation",
                    "zh": "中德城市合作",
                },
                "starts_at": None,
                "duration_minutes": None,
                "description": {},
                "speakers": [],
                "parties": [],
                "document_title": None,
                "document_url": None,
            },
            {
                "kind": "presentation",
                "title": {
                    "de": "Vorstellung der Studie zur Kooperation deutscher und chinesischer Unternehmen",
                    "en": "Presentation of the study on cooperation between German and Chinese companies",
                    "zh": "发布中德企业合作研究报告",
                },
                "starts_at": None,
                "duration_minutes": None,
                "description": {
                    "de": "Schwerpunkt Forschung und Entwicklung; Zukunftsfelder KI, E-Mobilität, "
                    "autonomes Fahren und automatisierte Produktion.",
                    "en": "Focus on research and development; future fields AI, e-mobility, autonomous "
                    "driving and automated production.",
                    "zh": "以研发合作为重点；未来领域包括人工智能、电动出行、自动驾驶和自动化生产。",
                },
                "speakers": [],
                "parties": [],
                "document_title": {
                    "de": "Studie: Deutsch-chinesische Unternehmenskooperation",
                    "en": "Study: Sino-German corporate cooperation",
                    "zh": "研究报告：中德企业合作",
                },
                "document_url": None,
            },
        ],
    }


def tenth_plenary() -> dict:
    """The 10th plenary, 15 October 2021: the ISA's fifth anniversary, with its real agenda."""
    start = datetime(2021, 10, 15, 9, 0, tzinfo=BERLIN)
    return {
        "slug": "10th-plenary",
        "number": 10,
        "title": {
            "de": "10. Plenarversammlung der ISA",
            "en": "10th Plenary Assembly of the ISA",
            "zh": "中德工业城市联盟第十届全体大会",
        },
        "summary": {
            "de": "Fünf Jahre ISA: Arbeitsbericht, Grußworte, die Unterzeichnung des Industrie-4.0-"
            "Pilotstadtprojekts und eine Studie zum Markenimage deutscher und chinesischer Unternehmen.",
            "en": "Five years of the ISA: work report, greetings, the signing of the Industrie 4.0 pilot "
            "city project and a study on the brand image of German and Chinese companies.",
            "zh": "联盟成立五周年：工作报告、致辞、工业4.0试点城市项目签约，以及中德企业品牌形象研究报告发布。",
        },
        "description": {
            "de": "Am 15. Oktober 2021 kam die Chinesisch-Deutsche Industriestädteallianz zu ihrer "
            "10. Plenarversammlung zusammen – im Jahr ihres **fünfjährigen Bestehens**. Die Allianz wurde "
            "im April 2016 gegründet und zählt heute 48 Mitglieder: 21 deutsche Städte und Regionen aus "
            "acht Bundesländern und 27 chinesische Städte aus 14 Provinzen.",
            "en": "On 15 October 2021 the Sino-German Industrial Cities Alliance met for its 10th plenary "
            "assembly, in the year of its **fifth anniversary**. Founded in April 2016, the alliance now has "
            "48 members: 21 German cities and regions from eight federal states and 27 Chinese cities from "
            "14 provinces.",
            "zh": "2021年10月15日，中德工业城市联盟召开第十届全体大会，恰逢联盟**成立五周年**。"
            "联盟成立于2016年4月，现有48个成员：来自德国8个联邦州的21个城市和地区，"
            "以及来自中国14个省份的27个城市。",
        },
        "timezone": DEFAULT_TIMEZONE,
        "starts_at": _iso(start),
        "ends_at": _iso(start + timedelta(hours=3)),
        "format": "online",
        "venue": None,
        "online_url": "https://meet.isa-alliance.example/plenary-10",
        "status": "published",
        "contact_email": CONTACT,
        "registration": {
            "opens_at": _iso(datetime(2021, 9, 15, 9, 0, tzinfo=BERLIN)),
            "closes_at": _iso(datetime(2021, 10, 13, 18, 0, tzinfo=BERLIN)),
            "capacity_in_person": None,
            "capacity_online": None,
            "waitlist": False,
            "requires_approval": False,
        },
        "agenda": [
            {
                "kind": "report",
                "title": {
                    "de": "Arbeitsbericht: Fünf Jahre ISA",
                    "en": "Work report: five years of the ISA",
                    "zh": "工作报告：联盟成立五周年",
                },
                "starts_at": None,
                "duration_minutes": None,
                "description": {},
                "speakers": [YI_LIU],
                "parties": [],
                "document_title": None,
                "document_url": None,
            },
            {
                "kind": "greeting",
                "title": {"de": "Grußworte", "en": "Greetings", "zh": "致辞"},
                "starts_at": None,
                "duration_minutes": None,
                "description": {
                    "de": "Grußworte der CIPA, der Beiratsmitglieder NRW.Global Business und Deutsche "
                    "Handelskammer in China sowie von Staatssekretär a. D. Friedhelm Ost.",
                    "en": "Greetings from CIPA, from the advisory board members NRW.Global Business and the "
                    "German Chamber of Commerce in China, and from State Secretary (ret.) Friedhelm Ost.",
                    "zh": "中国商务部投资促进事务局、联盟顾问委员会成员NRW.Global Business和中国德国商会的代表，"
                    "以及前国务秘书弗里德黑尔姆·奥斯特先生致辞。",
                },
                "speakers": [
                    _representative(CIPA),
                    _representative(NRW_GLOBAL),
                    _representative(AHK),
                    FRIEDHELM_OST,
                ],
                "parties": [],
                "document_title": None,
                "document_url": None,
            },
            {
                "kind": "signing",
                "title": {
                    "de": "Unterzeichnung: Pilotstadt der deutsch-chinesischen Lernplattform Industrie 4.0",
                    "en": "Signing: Pilot City of the Sino-German Industrie 4.0 Learning Platform",
                    "zh": "签约：中德工业4.0学习平台项目试点城市",
                },
                "starts_at": None,
                "duration_minutes": None,
                "description": {},
                "speakers": [],
                "parties": [GIZ, FOSHAN],
                "document_title": {
                    "de": "Pilotstadt des Projekts „Deutsch-chinesische Lernplattform Industrie 4.0“",
                    "en": "Pilot City of Sino-German Industrie 4.0 Learning Platform Project",
                    "zh": "中德工业4.0学习平台项目试点城市",
                },
                "document_url": None,
            },
            {
                "kind": "presentation",
                "title": {
                    "de": "Studie: Das Markenimage deutscher und chinesischer Unternehmen",
                    "en": "Study: the brand image of German and Chinese companies",
                    "zh": "研究报告：中德企业品牌形象",
                },
                "starts_at": None,
                "duration_minutes": None,
                "description": {
                    "de": "Grundlage ist eine Umfrage unter Unternehmen in den Mitgliedsstädten.",
                    "en": "Based on a survey among companies in the member cities.",
                    "zh": "基于对联盟成员城市企业的问卷调查。",
                },
                "speakers": [],
                "parties": [],
                "document_title": {
                    "de": "Studie zum Markenimage deutscher und chinesischer Unternehmen",
                    "en": "Study on the brand image of German and Chinese companies",
                    "zh": "中德企业品牌形象研究报告",
                },
                "document_url": None,
            },
        ],
    }


def eleventh_plenary(today: date) -> dict:
    """An upcoming, hybrid 11th plenary about two months after ``today``, registration open."""
    day = today + timedelta(days=60)
    start = datetime.combine(day, time(15, 0), tzinfo=SHANGHAI)

    def at(minutes: int) -> str:
        return _iso(start + timedelta(minutes=minutes))

    def item(kind, title, offset, duration, speakers=(), description=None, **extra):
        return {
            "kind": kind,
            "title": title,
            "starts_at": at(offset),
            "duration_minutes": duration,
            "description": description or {},
            "speakers": list(speakers),
            "parties": extra.get("parties", []),
            "document_title": extra.get("document_title"),
            "document_url": extra.get("document_url"),
        }

    return {
        "slug": "11th-plenary",
        "number": 11,
        "title": {
            "de": "11. Plenarversammlung der ISA",
            "en": "11th Plenary Assembly of the ISA",
            "zh": "中德工业城市联盟第十一届全体大会",
        },
        "summary": {
            "de": "In Foshan und online: Bilanz des Jahres, neue Projekte der Mitgliedsstädte und ein Panel "
            "zur Zusammenarbeit in Forschung und Entwicklung.",
            "en": "In Foshan and online: the year in review, new projects of the member cities and a panel "
            "on cooperation in research and development.",
            "zh": "佛山现场与线上同步举行：年度工作回顾、成员城市新项目介绍，以及中德研发合作专题讨论。",
        },
        "description": {
            "de": "Die 11. Plenarversammlung findet **hybrid** statt: vor Ort in Foshan, dem Sitz des "
            "ISA-Sekretariats, und online. Die Beiträge werden simultan Deutsch ↔ Chinesisch gedolmetscht.\n\n"
            "Angemeldete Online-Teilnehmende erhalten ihren persönlichen Zugangslink per E-Mail.",
            "en": "The 11th plenary assembly is **hybrid**: in person in Foshan, seat of the ISA secretariat, "
            "and online. Contributions are interpreted simultaneously German ↔ Chinese.\n\n"
            "Registered online participants receive their personal join link by email.",
            "zh": "第十一届全体大会采用**线上线下相结合**的形式：在联盟秘书处所在地佛山现场举行，"
            "同时线上直播。会议提供德汉同声传译。\n\n已报名的线上参会者将通过电子邮件收到个人专属参会链接。",
        },
        "timezone": "Asia/Shanghai",
        "starts_at": _iso(start),
        "ends_at": at(210),
        "format": "hybrid",
        "venue": {
            "name": {"de": "ISA-Sekretariat Foshan", "en": "ISA Secretariat, Foshan", "zh": "中德工业城市联盟秘书处"},
            "address": None,
            "city": {"de": "Foshan", "en": "Foshan", "zh": "佛山"},
        },
        "online_url": "https://meet.isa-alliance.example/plenary-11",
        # Delegates in mainland China join through Tencent Meeting (their join link chooses it by their country).
        "online_url_cn": "https://meeting.tencent.example/plenary-11",
        "status": "published",
        "contact_email": CONTACT,
        "registration": {
            "opens_at": _iso(datetime.combine(today - timedelta(days=7), time(9, 0), tzinfo=BERLIN)),
            "closes_at": _iso(datetime.combine(day - timedelta(days=7), time(18, 0), tzinfo=BERLIN)),
            "capacity_in_person": 120,
            "capacity_online": None,
            "waitlist": True,
            "requires_approval": False,
        },
        "agenda": [
            item("opening", {"de": "Eröffnung", "en": "Opening", "zh": "开幕"}, 0, 10),
            item(
                "greeting",
                {"de": "Grußwort", "en": "Greeting", "zh": "致辞"},
                10,
                15,
                [FRIEDHELM_OST],
            ),
            item(
                "report",
                {"de": "Arbeitsbericht des Sekretariats", "en": "Work report of the secretariat",
                 "zh": "秘书处工作报告"},
                25,
                25,
                [YI_LIU],
            ),
            item(
                "panel",
                {"de": "Panel: Gemeinsam forschen und entwickeln", "en": "Panel: researching and developing "
                 "together", "zh": "圆桌讨论：携手研发"},
                50,
                50,
                description={
                    "de": "Vertreterinnen und Vertreter deutscher und chinesischer Mitgliedsstädte berichten "
                    "aus ihren Projekten.",
                    "en": "Representatives of German and Chinese member cities report on their projects.",
                    "zh": "中德成员城市代表介绍各自的合作项目。",
                },
            ),
            item("break", {"de": "Pause", "en": "Break", "zh": "茶歇"}, 100, 20),
            item(
                "presentation",
                {"de": "Neue Projekte der Mitgliedsstädte", "en": "New projects of the member cities",
                 "zh": "成员城市新项目介绍"},
                120,
                60,
            ),
            item("closing", {"de": "Schlusswort", "en": "Closing remarks", "zh": "闭幕致辞"}, 180, 30),
        ],
    }  # fmt: skip


def demo_plenaries(today: date) -> list[dict]:
    """All demo plenaries as exchange documents."""
    return [ninth_plenary(), tenth_plenary(), eleventh_plenary(today)]
