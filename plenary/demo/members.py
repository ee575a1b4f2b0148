"""Demo data: the alliance's named members and its advisory board (autumn 2021)."""

NRW = {"de": "Nordrhein-Westfalen", "en": "North Rhine-Westphalia", "zh": "北莱茵-威斯特法伦州"}
HESSEN = {"de": "Hessen", "en": "Hesse", "zh": "黑森州"}
SACHSEN = {"de": "Sachsen", "en": "Saxony", "zh": "萨克森州"}
NIEDERSACHSEN = {"de": "Niedersachsen", "en": "Lower Saxony", "zh": "下萨克森州"}
HAMBURG = {"de": "Hamburg", "en": "Hamburg", "zh": "汉堡"}
BAYERN = {"de": "Bayern", "en": "Bavaria", "zh": "巴伐利亚州"}
RLP = {"de": "Rheinland-Pfalz", "en": "Rhineland-Palatinate", "zh": "莱茵兰-普法尔茨州"}
BW = {"de": "Baden-Württemberg", "en": "Baden-Württemberg", "zh": "巴登-符腾堡州"}

GUANGDONG = {"de": "Guangdong", "en": "Guangdong", "zh": "广东省"}
ZHEJIANG = {"de": "Zhejiang", "en": "Zhejiang", "zh": "浙江省"}
HENAN = {"de": "Henan", "en": "Henan", "zh": "河南省"}
HEBEI = {"de": "Hebei", "en": "Hebei", "zh": "河北省"}


def _m(key, country, de, en, zh, region, joined=None, note=None, kind="member"):
    return {
        "key": key,
        "kind": kind,
        "country": country,
        "name": {"de": de, "en": en, "zh": zh},
        "region": region,
        "joined_year": joined,
        "note": note or {},
    }


# Joining years are given only where public material states them.
MEMBERS = [
    _m("aachen", "DE", "Aachen", "Aachen", "亚琛", NRW),
    _m("bad-homburg", "DE", "Bad Homburg", "Bad Homburg", "巴特洪堡", HESSEN),
    _m("bottrop", "DE", "Bottrop", "Bottrop", "博特罗普", NRW),
    _m("chemnitz", "DE", "Chemnitz", "Chemnitz", "开姆尼茨", SACHSEN),
    _m("fulda", "DE", "Region Fulda", "Fulda Region", "富尔达地区", HESSEN),
    _m("goettingen", "DE", "Göttingen", "Göttingen", "哥廷根", NIEDERSACHSEN),
    _m("hamburg", "DE", "Hamburg", "Hamburg", "汉堡", HAMBURG),
    _m("hildesheim", "DE", "Hildesheim", "Hildesheim", "希尔德斯海姆", NIEDERSACHSEN),
    _m("ingolstadt", "DE", "Ingolstadt", "Ingolstadt", "英戈尔施塔特", BAYERN),
    _m("kaiserslautern", "DE", "Kaiserslautern", "Kaiserslautern", "凯泽斯劳滕", RLP),
    _m("koeln", "DE", "Köln", "Cologne", "科隆", NRW),
    _m("ludwigshafen", "DE", "Ludwigshafen am Rhein", "Ludwigshafen", "路德维希港", RLP),
    _m("mainz", "DE", "Mainz", "Mainz", "美因茨", RLP),
    _m("nuernberg", "DE", "Nürnberg", "Nuremberg", "纽伦堡", BAYERN),
    _m("rhein-kreis-neuss", "DE", "Rhein-Kreis Neuss", "Rhein-Kreis Neuss", "莱茵-诺伊斯县", NRW),
    _m(
        "region-schwarzwald", "DE", "Region Schwarzwald (Lahr und Freiburg)",
        "Black Forest Region (Lahr and Freiburg)", "黑森林地区（拉尔和弗赖堡）", BW,
    ),
    _m(
        "drei-gewinnt", "DE", "Städteverbund „Drei gewinnt“ (Rüsselsheim am Main, Raunheim, Kelsterbach)",
        "City network “Drei gewinnt” (Rüsselsheim am Main, Raunheim, Kelsterbach)",
        "“三赢”城市联盟（吕瑟尔斯海姆、劳恩海姆、克尔斯特巴赫）", HESSEN,
    ),
    _m("solingen", "DE", "Solingen", "Solingen", "索林根", NRW),
    _m("wuppertal", "DE", "Wuppertal", "Wuppertal", "伍珀塔尔", NRW),
    _m("dortmund", "DE", "Dortmund", "Dortmund", "多特蒙德", NRW),
    _m("kreis-dueren", "DE", "Kreis Düren", "Düren District", "迪伦县", NRW, joined=2021),
    _m(
        "foshan", "CN", "Foshan", "Foshan", "佛山", GUANGDONG,
        note={"de": "Sitz des ISA-Sekretariats", "en": "Seat of the ISA secretariat", "zh": "联盟秘书处所在地"},
    ),
    _m("huzhou", "CN", "Huzhou", "Huzhou", "湖州", ZHEJIANG, joined=2020),
    _m("xuchang", "CN", "Xuchang", "Xuchang", "许昌", HENAN, joined=2020),
    _m("luoyang", "CN", "Luoyang", "Luoyang", "洛阳", HENAN, joined=2020),
    _m("baoding", "CN", "Baoding", "Baoding", "保定", HEBEI, joined=2020),
    _m(
        "nrw-global-business", "DE", "NRW.Global Business", "NRW.Global Business", "NRW.Global Business", {},
        kind="advisory_board",
        note={
            "de": "Außenwirtschaftsagentur des Landes Nordrhein-Westfalen",
            "en": "Trade and investment agency of North Rhine-Westphalia",
            "zh": "北威州经济促进机构",
        },
    ),
    _m(
        "ahk-china", "CN", "Deutsche Handelskammer in China (AHK)", "German Chamber of Commerce in China",
        "中国德国商会", {}, kind="advisory_board",
    ),
]  # fmt: skip
