"""Country and region names as each of the site's languages writes them (the one source of them).

Babel's CLDR names, with the usage readers expect where CLDR differs:

- Chinese follows the usage of PRC government bodies: 中国香港, 中国澳门, 中国台湾 (CLDR: 中国香港特别
  行政区, 中国澳门特别行政区 and 台湾, which lists Taiwan as a peer of 中国).
- German and English keep the short names their readers use: Hongkong, Macau, Taiwan /
  Hong Kong, Macao, Taiwan (CLDR: "Sonderverwaltungsregion Hongkong", "Hong Kong SAR China").
"""

from functools import lru_cache
from types import MappingProxyType

from babel import Locale

from plenary.i18n import BABEL_LOCALES

OVERRIDES = {
    "zh": {"HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾"},
    "de": {"HK": "Hongkong", "MO": "Macau", "TW": "Taiwan"},
    "en": {"HK": "Hong Kong", "MO": "Macao", "TW": "Taiwan"},
}


#: Codes CLDR names that are no country a person lives in (unknown region, the EU, the UN, pseudo-locales…).
NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "XA", "XB", "QO"})


def is_country(code: str) -> bool:
    """True for the ISO code of a country or region a person may come from (the form's list)."""
    return (len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES
            and code in country_names("en"))  # fmt: skip


@lru_cache(maxsize=8)
def country_names(lang: str) -> MappingProxyType:
    """ISO 3166 code → name in ``lang`` (site language code: de, en, zh), read-only."""
    names = dict(Locale.parse(BABEL_LOCALES.get(lang, BABEL_LOCALES["de"])).territories)
    names.update(OVERRIDES.get(lang, {}))
    return MappingProxyType(names)


def country_name(code: str | None, lang: str) -> str | None:
    """The name of ``code`` in ``lang``; the code itself when unknown, None when not given."""
    if not code:
        return None
    return country_names(lang).get(code, code)
