"""Demo data: two announcements, written for this demo."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plenary.config import DEFAULT_TIMEZONE

BERLIN = ZoneInfo(DEFAULT_TIMEZONE)


def demo_announcements(today: date) -> list[dict]:
    """Return the demo announcements; the invitation is dated a few days before ``today``."""
    invitation_day = today - timedelta(days=3)
    return [
        {
            "slug": "review-10th-plenary",
            "kind": "press_release",
            "plenary": "10th-plenary",
            "published_at": datetime(2021, 10, 15, 16, 0, tzinfo=BERLIN),
            "place": {"de": "Berlin", "en": "Berlin", "zh": "柏林"},
            "title": {
                "de": "Fünf Jahre Industriestädteallianz: 10. Plenarversammlung zieht Bilanz",
                "en": "Five years of the Industrial Cities Alliance: 10th plenary takes stock",
                "zh": "中德工业城市联盟五周年：第十届全体大会总结合作成果",
            },
            "lead": {
                "de": "Zu ihrem fünften Jubiläum hat die Chinesisch-Deutsche Industriestädteallianz (ISA) auf "
                "ihrer 10. Plenarversammlung Bilanz gezogen und ein neues Pilotprojekt zu Industrie 4.0 "
                "auf den Weg gebracht.",
                "en": "At its 10th plenary assembly, the Sino-German Industrial Cities Alliance (ISA) looked back "
                "on its first five years and launched a new Industrie 4.0 pilot project.",
                "zh": "在第十届全体大会上，中德工业城市联盟回顾了成立五年来的工作，并启动了新的工业4.0试点项目。",
            },
            "body": {
                "de": "Generalsekretär Yi Liu stellte den Arbeitsbericht über fünf Jahre ISA vor. "
                "Grußworte sprachen Vertreter der CIPA, der Beiratsmitglieder NRW.Global Business und "
                "Deutsche Handelskammer in China sowie Staatssekretär a. D. Friedhelm Ost.\n\n"
                "Die Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) und die Stadt Foshan "
                "unterzeichneten das Projekt **„Pilotstadt der deutsch-chinesischen Lernplattform "
                "Industrie 4.0“**.\n\nZum Abschluss wurde eine Studie zum Markenimage deutscher und "
                "chinesischer Unternehmen vorgestellt, die auf einer Umfrage unter Unternehmen in den "
                "Mitgliedsstädten beruht.",
                "en": "Secretary General Yi Liu presented the work report on five years of the ISA. Greetings "
                "came from representatives of CIPA, of the advisory board members NRW.Global Business and "
                "the German Chamber of Commerce in China, and from State Secretary (ret.) Friedhelm Ost.\n\n"
                "GIZ and the City of Foshan signed the **Pilot City of Sino-German Industrie 4.0 Learning "
                "Platform Project**.\n\nFinally, a study on the brand image of German and Chinese companies, "
                "based on a survey among companies in the member cities, was presented.",
                "zh": "联盟秘书长Yi Liu作了联盟成立五年来的工作报告。中国商务部投资促进事务局、"
                "顾问委员会成员NRW.Global Business和中国德国商会的代表以及前国务秘书弗里德黑尔姆·奥斯特先生致辞。\n\n"
                "德国国际合作机构（GIZ）与佛山市签署了**中德工业4.0学习平台项目试点城市**协议。\n\n"
                "会议最后发布了中德企业品牌形象研究报告，该报告基于对成员城市企业的问卷调查。",
            },
        },
        {
            "slug": "invitation-11th-plenary",
            "kind": "press_release",
            "plenary": "11th-plenary",
            "published_at": datetime.combine(invitation_day, time(10, 0), tzinfo=BERLIN),
            "place": {"de": "Berlin", "en": "Berlin", "zh": "柏林"},
            "title": {
                "de": "Einladung zur 11. Plenarversammlung in Foshan und online",
                "en": "Invitation to the 11th plenary assembly in Foshan and online",
                "zh": "诚邀参加第十一届全体大会（佛山现场及线上）",
            },
            "lead": {
                "de": "Die Mitgliedsstädte der ISA, ihre Unternehmen und Partner sind herzlich zur 11. "
                "Plenarversammlung eingeladen. Die Anmeldung ist ab sofort online möglich – eine E-Mail an "
                "das Sekretariat ist nicht mehr nötig.",
                "en": "The ISA's member cities, their companies and partners are cordially invited to the 11th "
                "plenary assembly. Registration is now open online; there is no need to write to the "
                "secretariat any more.",
                "zh": "诚挚邀请联盟各成员城市及其企业和合作伙伴参加第十一届全体大会。"
                "现已开放在线报名，无需再发送电子邮件报名。",
            },
            "body": {
                "de": "Die Versammlung findet hybrid statt: vor Ort in Foshan und online, mit "
                "Simultandolmetschen Deutsch ↔ Chinesisch. Auf der Tagesordnung stehen der Arbeitsbericht "
                "des Sekretariats, ein Panel zur Zusammenarbeit in Forschung und Entwicklung sowie neue "
                "Projekte der Mitgliedsstädte.\n\nDie Plätze vor Ort sind begrenzt.",
                "en": "The assembly is hybrid: in person in Foshan and online, with simultaneous interpretation "
                "German ↔ Chinese. The agenda includes the secretariat's work report, a panel on cooperation "
                "in research and development and new projects of the member cities.\n\n"
                "Seats in Foshan are limited.",
                "zh": "本次大会采用线上线下相结合的形式，在佛山现场举行并同步线上直播，提供德汉同声传译。"
                "议程包括秘书处工作报告、中德研发合作圆桌讨论以及成员城市新项目介绍。\n\n现场名额有限。",
            },
        },
    ]
