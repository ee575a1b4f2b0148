"""The diplomatic missions a visa letter is addressed to, by the country whose visa is needed.

Delegates travelling to a plenary in Germany apply at a German mission in China; to one in China, at a Chinese
mission in Germany. A letter is written in the language of the mission's country (German / Chinese), or in
English on request. The missions' names are data in the three languages (as the missions name themselves),
like the alliance's name: a letter must name its addressee exactly.
"""

from typing import NamedTuple


class Mission(NamedTuple):
    """One embassy or consulate general: the country it represents (whose visa it issues) and its names."""

    key: str
    country: str
    names: dict  # {"de": …, "en": …, "zh": …}

    def name(self, lang: str) -> str:
        """The mission's name in ``lang`` (English if that language is unknown)."""
        return self.names.get(lang) or self.names["en"]


def _german(key: str, de: str, en: str, zh: str) -> Mission:
    return Mission(key, "DE", {"de": de, "en": en, "zh": zh})


def _chinese(key: str, de: str, en: str, zh: str) -> Mission:
    return Mission(key, "CN", {"de": de, "en": en, "zh": zh})


#: Keyed by the mission's id; in the order the form offers them (the embassy first).
MISSIONS = {m.key: m for m in (
    _german("de-beijing", "Botschaft der Bundesrepublik Deutschland Peking",
            "Embassy of the Federal Republic of Germany, Beijing", "德意志联邦共和国驻华大使馆（北京）"),
    _german("de-shanghai", "Generalkonsulat der Bundesrepublik Deutschland Shanghai",
            "Consulate General of the Federal Republic of Germany, Shanghai", "德意志联邦共和国驻上海总领事馆"),
    _german("de-guangzhou", "Generalkonsulat der Bundesrepublik Deutschland Guangzhou",
            "Consulate General of the Federal Republic of Germany, Guangzhou", "德意志联邦共和国驻广州总领事馆"),
    _german("de-chengdu", "Generalkonsulat der Bundesrepublik Deutschland Chengdu",
            "Consulate General of the Federal Republic of Germany, Chengdu", "德意志联邦共和国驻成都总领事馆"),
    _german("de-shenyang", "Generalkonsulat der Bundesrepublik Deutschland Shenyang",
            "Consulate General of the Federal Republic of Germany, Shenyang", "德意志联邦共和国驻沈阳总领事馆"),
    _german("de-hongkong", "Generalkonsulat der Bundesrepublik Deutschland Hongkong",
            "Consulate General of the Federal Republic of Germany, Hong Kong", "德意志联邦共和国驻香港总领事馆"),
    _chinese("cn-berlin", "Botschaft der Volksrepublik China in der Bundesrepublik Deutschland, Berlin",
             "Embassy of the People's Republic of China in Germany, Berlin", "中华人民共和国驻德国大使馆（柏林）"),
    _chinese("cn-hamburg", "Generalkonsulat der Volksrepublik China in Hamburg",
             "Consulate General of the People's Republic of China in Hamburg", "中华人民共和国驻汉堡总领事馆"),
    _chinese("cn-frankfurt", "Generalkonsulat der Volksrepublik China in Frankfurt am Main",
             "Consulate General of the People's Republic of China in Frankfurt am Main",
             "中华人民共和国驻法兰克福总领事馆"),
    _chinese("cn-munich", "Generalkonsulat der Volksrepublik China in München",
             "Consulate General of the People's Republic of China in Munich", "中华人民共和国驻慕尼黑总领事馆"),
    _chinese("cn-duesseldorf", "Generalkonsulat der Volksrepublik China in Düsseldorf",
             "Consulate General of the People's Republic of China in Düsseldorf", "中华人民共和国驻杜塞尔多夫总领事馆"),
)}  # fmt: skip

#: The choice for a mission not in the list (its name typed).
OTHER = "other"

#: The language of a letter to a mission of this country.
LETTER_LANGUAGE = {"DE": "de", "CN": "zh"}


def missions_for(host_country: str) -> list[Mission]:
    """The missions that issue the visa of ``host_country`` (where the plenary takes place)."""
    return [m for m in MISSIONS.values() if m.country == host_country]


def letter_language(host_country: str, english: bool) -> str:
    """The letter's language: the mission's country's (the host country's), or English on request."""
    return "en" if english else LETTER_LANGUAGE.get(host_country, "en")
