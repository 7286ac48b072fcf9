"""Where a group meets: address parts, country, region, and whether it is online.

Region tables ship as CSV files next to this module (`data/`): Belgian provinces and French
départements are exact by postcode; Swiss and Luxembourg tables are compact and partly
approximate (column `approximate`), and leave the region empty where the postcode does not tell.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.clean.text import among, as_flags, matches, unique_map

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_TIMEZONES = {"BE": "Europe/Brussels", "FR": "Europe/Paris", "CH": "Europe/Zurich", "LU": "Europe/Luxembourg"}
COUNTRY_WORDS: dict[str, str] = {
    "be": "BE", "bel": "BE", "belgique": "BE", "belgië": "BE", "belgie": "BE", "belgium": "BE", "belgien": "BE",
    "fr": "FR", "fra": "FR", "france": "FR", "frankrijk": "FR", "frankreich": "FR",
    "ch": "CH", "che": "CH", "suisse": "CH", "switzerland": "CH", "schweiz": "CH", "zwitserland": "CH", "svizzera": "CH",
    "lu": "LU", "lux": "LU", "luxembourg": "LU", "luxemburg": "LU", "grand-duché de luxembourg": "LU",
}
_COUNTRY_HINT = re.compile(
    r"\b(?P<CH>suisse|switzerland|schweiz|zwitserland|svizzera)\b|\b(?P<BE>belgique|belgië|belgie|belgium|belgien)\b"
    r"|\b(?P<FR>france|frankrijk|frankreich)\b|\b(?P<LU>grand-duché|groothertogdom|grand duchy)\b",
    re.IGNORECASE,
)
_POSTCODE_PREFIX = {"B": "BE", "F": "FR", "L": "LU", "CH": "CH"}
ADDRESS = re.compile(
    r"(?:(?<![\w-])(?P<prefix>B|F|L|CH)\s?-\s?)?(?<![\d\w])(?P<pc>\d{4,5})(?![\d\w])\s+"
    r"(?P<city>[A-ZÀ-Ý][^\d,;()\[\]\n/|]*?)(?=\s*(?:$|[,;()\[\]\n/|]|\s[-–—]\s|\.\s|\d))"
)
_STREET_WORD = re.compile(
    r"\d|\b(?:rue|avenue|av\.|chaussée|boulevard|bd|place|chemin|allée|quai|impasse|route|square|clos|drève|"
    r"rempart|straat|laan|weg|plein|lei|dreef|steenweg|kaai|markt|street|road|lane|avenue)\b|straat\b|str\.",
    re.IGNORECASE,
)
CONFERENCE_URL = re.compile(
    r"https?://(?:[\w-]+\.)*(?:zoom\.us|zoom\.com|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|"
    r"meet\.jit\.si|jitsi\.[\w.-]+|whereby\.com|webex\.com|gotomeeting\.com|bigbluebutton\.[\w.-]+)[^\s<>\"')\]]*",
    re.IGNORECASE,
)
_HYBRID = re.compile(
    r"\bhybride?\b|\bhybrid\b|in\s+het\s+echt\s+(?:en|of)\s+online|(?:sur\s+place|en\s+présentiel)\s+(?:et|ou)\s+(?:en\s+ligne|en\s+visio|à\s+distance)"
    r"|(?:en\s+ligne|en\s+visio)\s+(?:et|ou)\s+(?:sur\s+place|en\s+présentiel)|in\s+person\s+(?:and|or)\s+online"
    r"|online\s+(?:and|or)\s+in\s+person|fysiek\s+(?:en|of)\s+online|ter\s+plaatse\s+(?:en|of)\s+online",
    re.IGNORECASE,
)
_ONLINE = re.compile(
    r"\ben\s+ligne\b|\bonline\b|\bvisio(?:conférence)?\b|\bvisioconference\b|\bvideo\s*call\b|\bwebinar|\bwebinaire"
    r"|\bdistanciel|\bà\s+distance\b|\bvia\s+(?:zoom|teams|jitsi|whereby|google\s+meet)\b|\bop\s+afstand\b|\bvirtu(?:el|al)\b",
    re.IGNORECASE,
)
_IN_PERSON = re.compile(
    r"\bprésentiel|\bsur\s+place\b|\bin\s+person\b|\bin-person\b|\bter\s+plaatse\b|\bfysiek\b|\bin\s+het\s+echt\b",
    re.IGNORECASE,
)
_MODE_WORDS = {
    "online": "online", "onlineeventattendancemode": "online", "virtual": "online", "onl": "online",
    "in_person": "in_person", "in person": "in_person", "inperson": "in_person", "offline": "in_person",
    "offlineeventattendancemode": "in_person", "physical": "in_person",
    "hybrid": "hybrid", "mixed": "hybrid", "mixedeventattendancemode": "hybrid",
}


@cache
def region_tables() -> dict[str, pd.DataFrame]:
    """The region tables of the package, keyed by country."""
    read = {"dtype": {"region_code": "str", "region": "str"}, "keep_default_na": False}
    return {
        "BE": pd.read_csv(DATA_DIR / "be_provinces.csv", **read),
        "CH": pd.read_csv(DATA_DIR / "ch_cantons.csv", **read),
        "LU": pd.read_csv(DATA_DIR / "lu_cantons.csv", **read),
        "FR": pd.read_csv(DATA_DIR / "fr_departements.csv", dtype="str", keep_default_na=False),
    }


@cache
def city_countries() -> dict[str, str]:
    """Lower-cased names of the larger cities of the four countries, to place an address without a country."""
    table = pd.read_csv(DATA_DIR / "cities.csv", dtype="str", keep_default_na=False)
    return dict(zip(table["city"].str.lower(), table["country"], strict=True))


def country_codes(values: pd.Series) -> pd.Series:
    """BE/FR/CH/LU for a country code or name in any of the four languages; null otherwise."""
    text = values.astype("str").str.strip().str.lower().str.replace(r"[.\s]+$", "", regex=True)
    return text.map(COUNTRY_WORDS).astype("str")


def parse_address(text: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(street, postcode, city, country from the postcode form or a country word) of an address text."""
    if not isinstance(text, str):
        return None, None, None, None
    hint = _COUNTRY_HINT.search(text)
    hinted = next((k for k, v in hint.groupdict().items() if v), None) if hint else None
    for match in ADDRESS.finditer(text):
        postcode, city = match.group("pc"), match.group("city").strip(" .-")
        city = re.sub(r"\s+(?:belgique|belgië|belgium|france|suisse|switzerland|luxembourg|schweiz|cedex.*)$", "", city, flags=re.IGNORECASE)
        prefix = _POSTCODE_PREFIX.get((match.group("prefix") or "").upper())
        if len(postcode) == 5 and prefix not in (None, "FR"):
            continue
        country = prefix or ("FR" if len(postcode) == 5 else None) or city_countries().get(city.lower()) or hinted
        if country == "FR" and len(postcode) != 5:
            continue
        return _street_before(text[: match.start()]), postcode, city or None, country
    for segment in re.split(r"[,;()\n/|-]\s", text):
        known = city_countries().get(segment.strip(" .").lower())
        if known:
            return None, None, segment.strip(" ."), hinted or known
    return None, None, None, hinted


def _street_before(text: str) -> str | None:
    """The address segment just before the postcode, when it looks like a street."""
    segments = [s.strip(" -–") for s in re.split(r"[,;\n|]", text) if s.strip(" -–")]
    if not segments:
        return None
    last = segments[-1]
    if len(segments) > 1 and re.fullmatch(r"\d{1,4}\s?[a-zA-Z]?", segments[-2]):
        last = f"{segments[-2]} {last}"
    return last if _STREET_WORD.search(last) and len(last) <= 120 else None


def _postcode_number(postcode: pd.Series) -> pd.Series:
    return pd.to_numeric(postcode.astype("str").str.extract(r"^(\d{4,5})$", expand=False), errors="coerce")


def _ranged_region(number: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Region code and name from a table of inclusive postcode ranges (sorted by `first`)."""
    table = table.sort_values("first").reset_index(drop=True)
    firsts, lasts = table["first"].to_numpy(), table["last"].to_numpy()
    values = number.to_numpy(dtype="float64", na_value=np.nan)
    pos = np.searchsorted(firsts, np.nan_to_num(values, nan=-1), side="right") - 1
    inside = (pos >= 0) & ~np.isnan(values) & (np.nan_to_num(values, nan=-1) <= lasts[np.clip(pos, 0, None)])
    pos = np.where(inside, pos, -1)
    codes = np.where(inside, table["region_code"].to_numpy()[np.clip(pos, 0, None)], None)
    names = np.where(inside, table["region"].to_numpy()[np.clip(pos, 0, None)], None)
    return pd.Series(codes, index=number.index, dtype="str"), pd.Series(names, index=number.index, dtype="str")


def regions(country: pd.Series, postcode: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO 3166-2 code and name of the province, département or canton each postcode lies in."""
    code = pd.Series(pd.NA, index=country.index, dtype="str")
    name = pd.Series(pd.NA, index=country.index, dtype="str")
    number = _postcode_number(postcode)
    tables = region_tables()
    for iso in ("BE", "CH", "LU"):
        rows = country.eq(iso).fillna(False).astype(bool) & number.notna()
        if rows.any():
            c, n = _ranged_region(number[rows], tables[iso])
            code, name = code.mask(rows, c), name.mask(rows, n)
    french = country.eq("FR").fillna(False).astype(bool) & postcode.astype("str").str.fullmatch(r"\d{5}").fillna(False).astype(bool)
    if french.any():
        digits = postcode[french].astype("str")
        dept = digits.str.slice(0, 2)
        dept = dept.mask(digits.str.startswith("97"), digits.str.slice(0, 3))
        corsica = dept.eq("20")
        dept = dept.mask(corsica, np.where(number[french] < 20200, "2A", "2B"))
        names = dict(zip(tables["FR"]["code"], tables["FR"]["region"], strict=True))
        found = dept.map(names)
        code = code.mask(french, ("FR-" + dept).where(found.notna()))
        name = name.mask(french, found)
    return code.astype("str"), name.astype("str")


def conference_urls(texts: pd.Series) -> pd.Series:
    """The first video-call link (Zoom, Meet, Teams, Jitsi, Whereby…) in each text."""
    text = texts.astype("str")
    candidates = text.str.contains("http", regex=False).fillna(False).astype(bool)
    found = unique_map(text.where(candidates), lambda v: (m.group(0) if (m := CONFERENCE_URL.search(v)) else None))
    return found.astype("str")


def http_urls(values: pd.Series) -> pd.Series:
    """Values that are http(s) URLs without spaces (`javascript:` and the like become null)."""
    text = values.astype("str").str.strip()
    return text.where(text.str.fullmatch(r"https?://[^\s<>\"]+\.[^\s<>\"]+", case=False).fillna(False).astype(bool)).astype("str")


def attendance_modes(mode: pd.Series, categories: pd.Series, text: pd.Series | pd.DataFrame, has_link: pd.Series, has_place: pd.Series) -> tuple[pd.Series, pd.Series]:
    """in_person / online / hybrid / unknown, and the origin: structured words first, then cues."""
    words = mode.astype("str").str.strip().str.lower().str.replace(r"^https?://schema\.org/", "", regex=True)
    structured = words.map(_MODE_WORDS)
    tokens = categories.astype("str").str.upper().str.split(r"\s*[;,]\s*", regex=True)
    onl = as_flags(tokens.map(lambda t: isinstance(t, list) and ("ONL" in t or "TC" in t), na_action="ignore"))
    structured = structured.where(structured.notna(), pd.Series("online", index=mode.index).where(onl))
    body = text.astype("str").fillna("")
    hybrid = matches(body, _HYBRID.pattern, "hybri|echt|sur place|présentiel|person|fysiek|plaatse")
    online = matches(body, _ONLINE.pattern, "ligne|online|visio|video|webinar|distanciel|distance|zoom|teams|jitsi|whereby|meet|afstand|virtu") | has_link
    in_person = matches(body, _IN_PERSON.pattern, "présentiel|sur place|person|plaatse|fysiek|echt") | has_place
    parsed = pd.Series("unknown", index=mode.index, dtype="object")
    parsed = parsed.mask(in_person, "in_person").mask(online, "online").mask(hybrid | (online & in_person), "hybrid")
    value = structured.astype("object").where(structured.notna(), parsed)
    origin = pd.Series("structured", index=mode.index, dtype="object").where(structured.notna(), "parsed")
    origin = origin.mask(value.eq("unknown"), "unknown")
    return value.astype("str"), origin.astype("str")


def coordinates(values: pd.Series, low: float, high: float) -> pd.Series:
    """Floats within [low, high]; text, out-of-range and exact 0 (a common "unknown") become null."""
    number = pd.to_numeric(values.astype("str").str.replace(",", ".", regex=False).str.strip(), errors="coerce")
    return number.where(number.between(low, high) & number.ne(0)).astype("float64")


def listing_places(frame: pd.DataFrame, source_country: pd.Series | None = None) -> pd.DataFrame:
    """Place columns and their origins for a cleaned frame (structured fields win over the text).
    A four-digit postcode nothing else places is in the source's country when that country uses
    four digits (`source_country`, per row), else in Belgium."""
    idx = frame.index
    location = frame["location_text"].astype("str")
    parsed = {v: parse_address(v) for v in pd.unique(location.dropna())}
    fallback_text = frame["description"].astype("str").where(location.isna() | ~among(location, [k for k, v in parsed.items() if v[1]]))
    fallback_text = fallback_text.str.extract(r"((?:,|:|\s[-–]|\bà|\bin|\bte)\s+(?:(?:B|F|L|CH)-)?\d{4,5}\s+[A-ZÀ-Ý][^,;()\n.]{1,40})", expand=False)
    parsed.update({v: parse_address(re.sub(r"^(?:,|:|[-–]|à|in|te)\s+", "", v.strip())) for v in pd.unique(fallback_text.dropna()) if v not in parsed})
    source = location.where(as_flags(location.map(lambda v: bool(parsed.get(v, (None, None))[1]), na_action="ignore")), fallback_text)
    source = source.where(source.notna(), location)
    parts = pd.DataFrame([parsed.get(v, (None,) * 4) if isinstance(v, str) else (None,) * 4 for v in source],
                         index=idx, columns=["street", "postcode", "city", "country"], dtype="object")

    def _take(structured: pd.Series, text_value: pd.Series) -> tuple[pd.Series, pd.Series]:
        given = structured.astype("str").str.strip().replace("", pd.NA)
        value = given.where(given.notna(), text_value.astype("str"))
        origin = pd.Series("structured", index=idx).where(given.notna(), "parsed").where(value.notna(), "unknown")
        return value.astype("str"), origin.astype("str")

    raw_postcode = frame["postcode"].astype("str").str.strip().str.extract(r"^(?:(?:[A-Za-z]{1,2})\s?-\s?)?(\d{4,5})$", expand=False)
    postcode, postcode_origin = _take(raw_postcode, parts["postcode"])
    city, city_origin = _take(frame["city"], parts["city"])
    street, _ = _take(frame["street"], parts["street"])

    given_country = country_codes(frame["country"])
    by_prefix = frame["postcode"].astype("str").str.extract(r"^\s*(B|F|L|CH)\s?-", flags=re.IGNORECASE, expand=False).str.upper().map(_POSTCODE_PREFIX)
    by_form = pd.Series(np.where(postcode.str.fullmatch(r"\d{5}").fillna(False), "FR", None), index=idx, dtype="str")
    by_city = city.str.lower().map(city_countries())
    inferred = by_prefix.fillna(parts["country"].astype("str")).fillna(by_form).fillna(by_city)
    four_digit_country = pd.Series("BE", index=idx, dtype="str")
    if source_country is not None:
        four_digit_country = source_country.where(source_country.isin(["BE", "CH", "LU"]), "BE").astype("str")
    inferred = inferred.fillna(four_digit_country.where(postcode.str.fullmatch(r"\d{4}").fillna(False).astype(bool)))
    country = given_country.where(given_country.notna(), inferred).astype("str")
    country_origin = pd.Series("structured", index=idx).where(given_country.notna(), "parsed").where(country.notna(), "unknown")

    region_code, region = regions(country, postcode)
    region_origin = postcode_origin.where(region_code.notna(), "unknown")

    links = http_urls(frame["online_url"])
    text_links = conference_urls(frame["description"].fillna("").astype("str") + " " + location.fillna("") + " " + frame["schedule_text"].fillna("").astype("str"))
    online_url = links.where(links.notna(), text_links).astype("str")
    cue_text = pd.DataFrame({"title": frame["title"], "location": location, "schedule": frame["schedule_text"],
                             "description": frame["description"].str.slice(0, 1500)})
    has_place = postcode.notna() | street.notna() | city.notna()
    attendance, attendance_origin = attendance_modes(frame["attendance_mode"], frame["categories"], cue_text, online_url.notna(), has_place)

    return pd.DataFrame(
        {
            "attendance": attendance, "street": street, "postcode": postcode, "city": city, "country": country,
            "region_code": region_code, "region": region,
            "latitude": coordinates(frame["latitude"], -90, 90), "longitude": coordinates(frame["longitude"], -180, 180),
            "online_url": online_url,
            "attendance_origin": attendance_origin, "postcode_origin": postcode_origin, "city_origin": city_origin,
            "country_origin": country_origin.astype("str"), "region_origin": region_origin.astype("str"),
        },
        index=idx,
    )
