"""When a group meets: structured fields first, else what the schedule text says.

Dates go through dateparser and recurrences through dateutil's rrule; the regex tables below
cover only what those libraries do not: ordinal weekdays ("tous les 1ers mardis", "elke tweede
donderdag", "every last Friday"), frequencies ("un mardi sur deux", "om de twee weken"), clock
ranges ("de 14 à 16h", "van 19 tot 21 uur", "6:30-8pm"), session counts and multi-day cues.
Parsing runs once per distinct text (`pd.unique` then map).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser
import pandas as pd
from dateutil.rrule import rrulestr

from pipelines.clean.text import as_flags, unique_rows_map

# --- grammar tables (fr / nl / en, a little de) -------------------------------------------------

WEEKDAY_WORDS: dict[str, int] = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5, "sonntag": 6,
}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINAL_WORDS: dict[str, int] = {
    "premier": 1, "premiers": 1, "première": 1, "premières": 1, "first": 1, "eerste": 1, "ersten": 1,
    "deuxième": 2, "deuxièmes": 2, "second": 2, "seconde": 2, "seconds": 2, "tweede": 2, "zweiten": 2,
    "troisième": 3, "troisièmes": 3, "third": 3, "derde": 3, "dritten": 3,
    "quatrième": 4, "quatrièmes": 4, "fourth": 4, "vierde": 4, "vierten": 4,
    "cinquième": 5, "fifth": 5, "vijfde": 5,
    "dernier": -1, "derniers": -1, "dernière": -1, "dernières": -1, "last": -1, "laatste": -1, "letzten": -1,
}
NUMBER_WORDS: dict[str, int] = {
    "une": 1, "un": 1, "één": 1, "een": 1, "one": 1,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "two": 2, "three": 3, "four": 4, "five": 5,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
MONTHS = (
    r"janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|sept?(?:embre)?|oct(?:obre)?|"
    r"nov(?:embre)?|d[ée]c(?:embre)?|jan(?:uari|uary)?|feb(?:ruari|ruary)?|maart|mrt|march|mar|apr(?:il)?|mei|may|"
    r"jun[ei]?|jul[iy]?|aug(?:ustus|ust)?|sep(?:tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"januar|februar|märz|juni|juli|oktober|dezember"
)

_WD = r"(?P<wd>" + "|".join(WEEKDAY_WORDS) + r")(?:s|en|avond|middag|namiddag|ochtend|voormiddag|abend)?"
_WD_ANY = _WD.replace("?P<wd>", "?:")
_ORD = (
    r"(?:1(?:er|ers|re|res|ère|ères|st|ste|e)|2(?:e|es|ème|èmes|è|nd|de|ste)|3(?:e|es|ème|èmes|è|rd|de)|"
    r"4(?:e|es|ème|èmes|è|th|de)|5(?:e|ème|th|de)|" + "|".join(ORDINAL_WORDS) + r")"
)
_FLAGS = re.IGNORECASE
ORDINAL_WEEKDAY = re.compile(
    rf"\b(?P<ords>{_ORD}(?:\s*(?:,|et|and|en|&)\s*(?:le\s+|la\s+|the\s+|de\s+)?{_ORD})*)\.?\s+{_WD}\b", _FLAGS
)
ORDINAL_TOKEN = re.compile(rf"\b{_ORD}(?!\w)", _FLAGS)
WEEKDAY = re.compile(rf"\b{_WD}\b", _FLAGS)
BIWEEKLY = re.compile(
    rf"\bune?\s+(?:{_WD_ANY}|semaine)\s+sur\s+(?:deux|2)\b|\b(?:tous|toutes)\s+les\s+(?:quinze|15|deux|2)\s+(?:jours|semaines)\b"
    r"|\bquinzaine\b|\bom\s+de\s+(?:twee|2|veertien|14)\s+(?:weken|dagen)\b|\btweewekelijks|\belke\s+twee\s+weken\b"
    rf"|\bevery\s+(?:other|two|2)\s+(?:weeks?|{_WD_ANY})\b|\bfortnightly\b|\bbi-?weekly\b|\balternate\s+{_WD_ANY}"
    r"|\balle\s+zwei\s+wochen\b",
    _FLAGS,
)
MONTHLY = re.compile(
    r"\b(?:une\s+fois\s+par\s+mois|mensuel(?:le)?(?:ment)?|chaque\s+mois|tous\s+les\s+mois|maandelijks|"
    r"(?:elke|iedere)\s+maand|(?:één|een)\s*(?:keer|maal)\s+per\s+maand|once\s+a\s+month|monthly|every\s+month|"
    rf"une?\s+(?:{_WD_ANY}|fois)\s+par\s+mois|(?:één|een)\s+{_WD_ANY}\s+per\s+maand|one\s+{_WD_ANY}\s+a\s+month|"
    r"each\s+month|monatlich)\b",
    _FLAGS,
)
WEEKLY = re.compile(
    rf"\b(?:chaque|tous\s+les|toutes\s+les|elke|iedere|ieder|every|each|jeden)\s+(?:semaines?|week|woche|{_WD_ANY})"
    r"|\bhebdomadaire|\bwekelijks|\bweekly\b|\bwöchentlich"
    r"|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s\b"
    r"|\b(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)(?:en|s)\b",
    _FLAGS,
)
MULTI_DAY = re.compile(
    rf"\bdu\s+{_WD_ANY}\b[^.;\n]{{0,40}}?\bau\s+{_WD_ANY}|\bvan\s+{_WD_ANY}\b[^.;\n]{{0,40}}?\btot\s+(?:en\s+met\s+)?{_WD_ANY}"
    rf"|\bfrom\s+{_WD_ANY}\b[^.;\n]{{0,40}}?\b(?:to|until|till|through)\s+{_WD_ANY}"
    r"|\bweek-?ends?\s+(?:résidentiel|residentieel|residential|de\s+ressourcement|retreat)|\brésidentiel|\bresidentieel"
    r"|\bresidential\b|\b(?:deux|trois|quatre|cinq|six|sept|twee|drie|vier|vijf|two|three|four|five|seven|[2-9])\s+"
    r"(?:jours|journées|dagen|days|nuits|nachten|nights)\b|\bmeerdaags|\bpension\s+complète|\bvolpension|\bfull\s+board"
    r"|\bséjour\b|\bovernachting",
    _FLAGS,
)
SEVERAL_A_MONTH = re.compile(r"\b(?:deux|trois|2|3)\s+fois\s+par\s+mois|\b(?:twee|drie)maal\s+per\s+maand|\b(?:twee|drie|2|3)\s*keer\s+per\s+maand|\btwice\s+a\s+month", _FLAGS)
"""Several times a month: no frequency of ours fits, and it is certainly not weekly."""
START_CUE = re.compile(r"\bstart\s+op\b|\bbegint\s+op\b|\bdébut\s+le\b|\bà\s+partir\s+du\b|\bdès\s+le\b|\bvanaf\s+\d|\bstarting\b|\bas\s+of\b|\bab\s+dem\b", _FLAGS)
"""A date that only anchors a weekly series ("le jeudi, à partir du 7 janvier")."""
_COUNT_NOUNS = (
    r"séances|seances|sessions|rencontres|ateliers|modules|réunions|soirées|matinées|bijeenkomsten|sessies|"
    r"samenkomsten|lessen|avonden|meetings|classes|workshops|weeks|week|semaines|weken|treffen|sitzungen"
)
SESSION_COUNT = re.compile(
    rf"(?<!les\s)(?<!om\sde\s)(?<!every\s)(?<!elke\s)\b(?P<n>\d{{1,2}}|{'|'.join(NUMBER_WORDS)})[\s-]+(?P<noun>{_COUNT_NOUNS})\b"
    r"|\bcycle\s+de\s+(?P<n2>\d{1,2})\b|\breeks\s+van\s+(?P<n3>\d{1,2})\b",
    _FLAGS,
)

_TIME = (
    r"(?<![\d/.,:])(?P<{p}h>[01]?\d|2[0-3])"
    r"(?:\s*(?P<{p}mk>[hu])(?![a-zà-ÿ])\s*(?P<{p}m1>[0-5]\d)?|(?P<{p}sep>[:.])(?P<{p}m2>[0-5]\d))?"
    r"(?:\s*(?P<{p}ap>[ap])\.?\s?m\b\.?)?(?:\s*(?P<{p}uur>uur|heures?|u|h)\b)?(?!\d|,\d)"
)
_TIME_OR_WORD = r"(?:\b(?P<{p}word>noon|midday|midi|minuit|midnight)\b|" + _TIME + ")"
TIME_RANGE = re.compile(
    r"(?P<lead>\b(?:de|van|from|between|entre|von)\s+)?"
    + _TIME_OR_WORD.format(p="a")
    + r"\s*(?:-|–|—|à|a|au|tot|to|till|until|jusqu'à|jusqu’à|and|et|bis|>)\s*"
    + _TIME_OR_WORD.format(p="b"),
    _FLAGS,
)
SINGLE_TIME = re.compile(r"(?P<pre>\b[\w']+\s+)?" + _TIME_OR_WORD.format(p="a"), _FLAGS)
_DURATION_PREFIX = re.compile(r"^(?:de|pendant|durée|duur|of|for|van|durant|environ|about)\s+$", _FLAGS)

DATE_RANGE = re.compile(
    rf"\b(?P<d1>[0-3]?\d)(?:er|e|st|nd|rd|th)?(?:\s+(?P<m1>{MONTHS})\.?)?\s*(?:au|-|–|tot(?:\s+en\s+met)?|t/m|to|till|until|et|and|en|&)\s*"
    rf"(?:{_WD_ANY}\s+)?(?P<d2>[0-3]?\d)(?:er|e|st|nd|rd|th)?\s+(?P<m2>{MONTHS})\.?(?:\s+(?P<y>20\d\d))?\b",
    _FLAGS,
)
DAY_LIST = re.compile(
    rf"\b(?P<days>[0-3]?\d(?:er)?(?:\s*,\s*[0-3]?\d)+\s*(?:et|and|en|&)\s*[0-3]?\d)\s+(?P<m>{MONTHS})\.?(?:\s+(?P<y>20\d\d))?\b",
    _FLAGS,
)
DATE = re.compile(
    rf"\b(?P<iso>20\d\d-[01]\d-[0-3]\d)\b"
    rf"|\b(?P<num>[0-3]?\d[/.-][01]?\d[/.-](?:20)?\d\d|[0-3]?\d/[01]?\d)(?![\d/.])"
    rf"|\b(?P<text>[0-3]?\d(?:er|e|ste|de|st|nd|rd|th)?\s+(?:{MONTHS})\.?(?:\s+20\d\d)?)\b"
    rf"|\b(?P<en>(?:{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?(?:,?\s+20\d\d)?)\b",
    _FLAGS,
)
_DATEPARSER_LANGUAGES = ["fr", "nl", "en", "de"]
SCHEDULE_HINT = (
    r"[0-9] ?(?:h|u|:|\.[0-9]|am|pm|a\.m|p\.m|uur|heure)|[0-9][/.-][0-9]|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|week|wekel|mois|maand|month|monat|hebdo"
    r"|quinzaine|fortnight|noon|midi|minuit|midnight|jours|dagen|days|résidentiel|residenti|séjour|pension|cycle|reeks"
    r"|janv|févr|fevr|mars|avril|mai|juin|juil|août|sept|oct|nov|déc|dec|jan|feb|maart|mrt|march|apr|mei|may|jun|jul|aug"
)
"""A vectorised (RE2) pre-check: texts without any of these state no schedule and are not parsed."""
MAX_PARSE_CHARS = 1_500
"""Schedules sit near the top of a description; scanning further only finds other events."""


@dataclass(frozen=True, slots=True)
class ScheduleFacts:
    """What one text says about when a group meets (None where it says nothing)."""

    weekday: int | None = None
    week_of_month: int | None = None
    weeks_of_month: tuple[int, ...] = ()
    frequency: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    session_count: int | None = None
    multi_day: bool = False
    several_a_month: bool = False
    dates: tuple[str, ...] = ()


FACT_FIELDS = tuple(f.name for f in fields(ScheduleFacts))


# --- clock times ---------------------------------------------------------------------------------


def _clock(match: re.Match, p: str) -> tuple[int, int, str | None, bool] | None:
    """(hour, minute, am/pm, has an explicit clock marker) of one time token."""
    word = match.group(f"{p}word")
    if word:
        return (0 if word.lower() in ("minuit", "midnight") else 12), 0, None, True
    if match.group(f"{p}h") is None:
        return None
    hour = int(match.group(f"{p}h"))
    minute = int(match.group(f"{p}m1") or match.group(f"{p}m2") or 0)
    ampm = (match.group(f"{p}ap") or "").lower() or None
    marked = bool(match.group(f"{p}mk") or match.group(f"{p}uur") or ampm or match.group(f"{p}sep") == ":")
    return hour, minute, ampm, marked


def _to_24h(hour: int, ampm: str | None) -> int | None:
    if ampm is None:
        return hour
    if hour > 12:
        return None
    return (hour % 12) + (12 if ampm == "p" else 0)


def _hhmm(hour: int | None, minute: int) -> str | None:
    return f"{hour:02d}:{minute:02d}" if hour is not None and 0 <= hour <= 23 else None


def time_range(text: str) -> tuple[str | None, str | None]:
    """Start and end clock times ("HH:MM"); a range wins over a single time."""
    for match in TIME_RANGE.finditer(text):
        start, end = _clock(match, "a"), _clock(match, "b")
        if start is None or end is None:
            continue
        dotted = match.group("asep") == "." and match.group("bsep") == "."
        if not (end[3] or dotted or (start[3] and match.group("lead"))):
            continue
        start_ap = start[2] or (end[2] if end[2] and (start[0] % 12) <= (end[0] % 12 or 12) else None)
        if end[2] and not start[2] and start_ap is None:
            start_ap = "a"
        h1, h2 = _to_24h(start[0], start_ap), _to_24h(end[0], end[2])
        if h1 is None or h2 is None or (h1 < 7 and not start_ap and not start[3]):
            continue
        begin, finish = _hhmm(h1, start[1]), _hhmm(h2, end[1])
        if begin and finish:
            return begin, finish
    return single_time(text), None


def single_time(text: str) -> str | None:
    """The first clock time with an explicit marker, skipping durations ("séance de 2h")."""
    for match in SINGLE_TIME.finditer(text):
        clock = _clock(match, "a")
        if clock is None or not clock[3]:
            continue
        if match.group("asep") == "." and not (match.group("auur") or match.group("amk") or match.group("aap")):
            continue
        pre = match.group("pre") or ""
        if _DURATION_PREFIX.match(pre) and not text[: match.start("pre") if pre else 0].lower().endswith("partir "):
            continue
        hour = _to_24h(clock[0], clock[2])
        if hour is None or (hour < 7 and clock[2] is None and not match.group("aword")):
            continue
        return _hhmm(hour, clock[1])
    return None


# --- dates ---------------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def parsed_date(text: str, today: dt.date) -> str | None:
    """ISO date of one date expression; a date without a year is the next one from `today`."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    try:
        value = dateparser.parse(text, languages=_DATEPARSER_LANGUAGES, settings=settings)
    except (ValueError, OverflowError, TypeError, KeyError, IndexError):
        return None
    return value.date().isoformat() if value and 2000 <= value.year <= 2100 else None


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out (so a date is not read again as a time)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def dates_in(text: str, today: dt.date) -> tuple[tuple[str, ...], str | None, list[tuple[int, int]]]:
    """Distinct dates in order of appearance, the end of a date range if any, and their spans."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    range_end = None
    for match in DAY_LIST.finditer(text):
        year = f" {match.group('y')}" if match.group("y") else ""
        days = re.findall(r"\d+", match.group("days"))
        found.extend(d for d in (parsed_date(f"{day} {match.group('m')}{year}", today) for day in days) if d)
        spans.append(match.span())
    for match in DATE_RANGE.finditer(_without_spans(text, spans)):
        year = f" {match.group('y')}" if match.group("y") else ""
        first = parsed_date(f"{match.group('d1')} {match.group('m1') or match.group('m2')}{year}", today)
        last = parsed_date(f"{match.group('d2')} {match.group('m2')}{year}", today)
        joined = re.search(r"\b(?:et|and|en)\b|&", match.group(0), _FLAGS)
        if not (first and last and first <= last):
            continue
        if joined and (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days != 1:
            found.extend((first, last))
        else:
            found.append(first)
            range_end = range_end or last
        spans.append(match.span())
    rest = _without_spans(text, spans)
    for match in DATE.finditer(rest):
        value = parsed_date(match.group(0), today)
        if value:
            found.append(value)
            spans.append(match.span())
    ordered = tuple(dict.fromkeys(found))
    return ordered, range_end, spans


# --- one text ------------------------------------------------------------------------------------


MAX_MULTI_DAY = 14
"""A longer date range is the period of a series ("du 11 janvier au 15 février"), not one stay."""


def _days_between(first: str, last: str) -> int:
    return (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days


def _ordinal_value(token: str) -> int | None:
    lowered = token.lower()
    if lowered in ORDINAL_WORDS:
        return ORDINAL_WORDS[lowered]
    digits = re.match(r"\d", lowered)
    return int(digits.group(0)) if digits else None


def _session_count(text: str) -> int | None:
    for match in SESSION_COUNT.finditer(text):
        raw = match.group("n") or match.group("n2") or match.group("n3")
        value = int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw.lower())
        noun = (match.group("noun") or "").lower()
        if value == 1 and noun.startswith(("week", "sem", "wek")):
            continue  # "un week-end", "one week": not one session
        if value and 1 <= value <= 500:
            return value
    return None


def parse_schedule_text(text: str | None, today: dt.date | None = None) -> ScheduleFacts:
    """Every schedule fact a free text states; never raises (unparseable text gives no facts)."""
    if not isinstance(text, str) or not text.strip():
        return ScheduleFacts()
    today = today or dt.date.today()
    text = text[:MAX_PARSE_CHARS]
    dates, range_end, spans = dates_in(text, today)
    clock_text = _without_spans(text, spans)
    start_time, end_time = time_range(clock_text)
    ordinal = ORDINAL_WEEKDAY.search(text)
    weekday_match = WEEKDAY.search(text)
    weeks: tuple[int, ...] = ()
    if ordinal:
        values = [_ordinal_value(t) for t in ORDINAL_TOKEN.findall(ordinal.group("ords"))]
        weeks = tuple(dict.fromkeys(v for v in values if v in (1, 2, 3, 4, 5, -1)))
        weekday = WEEKDAY_WORDS[ordinal.group("wd").lower()]
    else:
        weekday = WEEKDAY_WORDS[weekday_match.group("wd").lower()] if weekday_match else None
    if weekday is None and dates:
        weekday = dt.date.fromisoformat(dates[0]).weekday()
    multi_day = bool(MULTI_DAY.search(text)) or bool(range_end and dates and 0 < _days_between(dates[0], range_end) <= MAX_MULTI_DAY)
    frequency, several_a_month = None, False
    if BIWEEKLY.search(text):
        frequency = "biweekly"
    elif weeks or MONTHLY.search(text):
        frequency = "monthly"
    elif several_a_month := bool(SEVERAL_A_MONTH.search(text)):
        frequency = None
    elif WEEKLY.search(text) or (weekday_match and not multi_day and (not dates or START_CUE.search(text))):
        frequency = "weekly"
    if multi_day and end_time is None:
        clocks = [t for t in (single_time(part) for part in re.split(r"\b(?:au|tot|to|until|till)\b", clock_text)) if t]
        start_time, end_time = (clocks[0], clocks[-1]) if len(clocks) > 1 else (start_time, end_time)
    count = _session_count(text)
    if count is None and len(dates) > 1 and not range_end:
        count = len(dates)
    return ScheduleFacts(
        weekday=weekday,
        week_of_month=weeks[0] if weeks else None,
        weeks_of_month=weeks,
        frequency=frequency,
        start_time=start_time,
        end_time=end_time,
        start_date=dates[0] if dates else None,
        end_date=range_end if range_end and dates and range_end != dates[0] else None,
        session_count=count,
        multi_day=multi_day,
        several_a_month=several_a_month,
        dates=dates,
    )


# --- structured fields ---------------------------------------------------------------------------

_RRULE_PART = re.compile(r"([A-Z]+)=([^;]*)")
_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")


def rrule_facts(rule: str | None) -> ScheduleFacts:
    """Weekday, week of month, frequency and count an RFC 5545 RRULE states."""
    if not isinstance(rule, str) or not rule.strip():
        return ScheduleFacts()
    parts = dict(_RRULE_PART.findall(rule.upper().removeprefix("RRULE:")))
    days = [_BYDAY.match(d.strip()) for d in parts.get("BYDAY", "").split(",") if d.strip()]
    days = [d for d in days if d]
    setpos = parts.get("BYSETPOS", "")
    weeks = tuple(dict.fromkeys(int(d.group(1)) for d in days if d.group(1)))
    if not weeks and re.fullmatch(r"-?[1-5]", setpos):
        weeks = (int(setpos),)
    weeks = tuple(w for w in weeks if w in (1, 2, 3, 4, 5, -1))
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    freq = parts.get("FREQ")
    frequency = {("WEEKLY", 1): "weekly", ("WEEKLY", 2): "biweekly", ("MONTHLY", 1): "monthly"}.get((freq, interval))
    count = int(parts["COUNT"]) if parts.get("COUNT", "").isdigit() else None
    return ScheduleFacts(
        weekday=RRULE_DAYS.index(days[0].group(2)) if days else None,
        week_of_month=weeks[0] if weeks else None,
        weeks_of_month=weeks,
        frequency=frequency,
        session_count=count if count and 1 <= count <= 500 else None,
    )


def local_parts(value: str | None, timezone: str) -> tuple[str | None, str | None]:
    """(date, "HH:MM") of a structured start/end: ISO date-time (shown in `timezone`), date or clock."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    text = value.strip()
    clock = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)(?::\d\d)?", text)
    if clock:
        return None, f"{int(clock.group(1)):02d}:{clock.group(2)}"
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None, None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return stamp.date().isoformat(), None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_zone(timezone))
    return stamp.date().isoformat(), stamp.strftime("%H:%M")


def known_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=256)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return ZoneInfo("Europe/Brussels")


# --- recurrence and next occurrence ------------------------------------------------------------


def built_rrule(frequency: str | None, weekday: int | None, weeks: tuple[int, ...], count: int | None) -> str | None:
    """The RRULE a parsed schedule states (None when the weekday or frequency is not known)."""
    if weekday is None or frequency is None:
        return None
    day = RRULE_DAYS[weekday]
    count_part = f";COUNT={count}" if count and count > 1 else ""
    if frequency == "monthly":
        if not weeks:
            return None
        return "FREQ=MONTHLY;BYDAY=" + ",".join(f"{w}{day}" for w in weeks) + count_part
    interval = ";INTERVAL=2" if frequency == "biweekly" else ""
    return f"FREQ=WEEKLY{interval};BYDAY={day}{count_part}"


@lru_cache(maxsize=65_536)
def next_occurrence(
    rule: str | None, start_date: str | None, start_time: str | None, timezone: str, exdates: str | None, today: dt.date
) -> str | None:
    """Next start on or after `today` (ISO with offset, in `timezone`); None when it cannot be known.

    A biweekly rule needs an anchor date (which week?); a start without a clock time is not
    given a made-up hour.
    """
    if start_time is None:
        return None
    zone = _zone(timezone)
    hour, minute = (int(x) for x in start_time.split(":"))
    anchor = dt.date.fromisoformat(start_date) if start_date else None
    floor = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    if not rule:
        if anchor is None:
            return None
        when = dt.datetime.combine(anchor, dt.time(hour, minute), tzinfo=zone)
        return when.isoformat() if when >= floor else None
    if anchor is None and "INTERVAL=" in rule.upper() and "INTERVAL=1" not in rule.upper():
        return None
    begin = dt.datetime.combine(anchor or today, dt.time(hour, minute))
    try:
        recurrence = rrulestr("RRULE:" + rule.upper().removeprefix("RRULE:"), dtstart=begin, forceset=True)
        for day in (exdates or "").split(";"):
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.strip()[:10]):
                recurrence.exdate(dt.datetime.combine(dt.date.fromisoformat(day.strip()[:10]), dt.time(hour, minute)))
        found = recurrence.after(floor.replace(tzinfo=None), inc=True)
    except (ValueError, TypeError, OverflowError):
        return None
    return found.replace(tzinfo=zone).isoformat() if found else None


def valid_rrule(rule: str | None) -> bool:
    """Whether dateutil accepts the rule (a malformed structured rule is not passed on)."""
    if not isinstance(rule, str) or "FREQ=" not in rule.upper():
        return False
    try:
        rrulestr("RRULE:" + rule.upper().removeprefix("RRULE:"), dtstart=dt.datetime(2026, 1, 1))
    except (ValueError, TypeError, OverflowError, KeyError, IndexError):
        return False
    return True


def first_future_occurrence(occurrences: str | None, timezone: str, today: dt.date) -> str | None:
    """First listed occurrence on or after `today`, as ISO with offset in `timezone`."""
    if not isinstance(occurrences, str):
        return None
    zone = _zone(timezone)
    floor = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    upcoming = []
    for part in occurrences.split(";"):
        try:
            stamp = dt.datetime.fromisoformat(part.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        stamp = stamp.astimezone(zone) if stamp.tzinfo else stamp.replace(tzinfo=zone)
        if stamp >= floor:
            upcoming.append(stamp)
    return min(upcoming).isoformat() if upcoming else None


# --- the frame -----------------------------------------------------------------------------------

SCHEDULE_COLUMNS = (
    "rhythm", "weekday", "week_of_month", "frequency", "start_time", "end_time", "start_date", "end_date",
    "session_count", "rrule", "next_occurrence",
    "weekday_origin", "start_time_origin", "end_time_origin", "start_date_origin", "rrule_origin",
)


def _facts_frame(texts: pd.Series, today: dt.date) -> pd.DataFrame:
    """One column per `ScheduleFacts` field, parsing each distinct text once."""
    return _facts_frame_from(texts, lambda value: parse_schedule_text(value, today))


def _pick(*candidates: tuple[pd.Series, str]) -> tuple[pd.Series, pd.Series]:
    """First non-null value among candidate columns, with the origin of the one used."""
    value = pd.Series(None, index=candidates[0][0].index, dtype="object")
    origin = pd.Series("unknown", index=value.index, dtype="object")
    for series, name in candidates:
        take = value.isna() & series.notna()
        value = value.mask(take, series)
        origin = origin.mask(take, name)
    return value, origin


def listing_schedules(frame: pd.DataFrame, timezone: pd.Series, today: dt.date) -> pd.DataFrame:
    """Schedule columns (see `SCHEDULE_COLUMNS`) for every row of a cleaned frame."""
    idx = frame.index
    zones = timezone.astype("object")
    start = unique_rows_map(pd.DataFrame({"v": frame["start"], "z": zones}), local_parts)
    end = unique_rows_map(pd.DataFrame({"v": frame["end"], "z": zones}), local_parts)
    s_date, s_time = start.str[0], start.str[1]
    e_date, e_time = end.str[0], end.str[1]
    raw_rule = frame["rrule"].astype("object").where(frame["rrule"].astype("object").map(valid_rrule))
    rule_facts = _facts_frame_from(raw_rule, rrule_facts)
    struct_wd = rule_facts["weekday"].where(rule_facts["weekday"].notna(), s_date.map(_weekday_of))

    text = _facts_frame(frame["schedule_text"], today)
    # The title joins the description only when it may hold a schedule: the pair is far more unique.
    title_hint = as_flags(frame["title"].str.contains(SCHEDULE_HINT, case=False, regex=True))
    description = frame["description"].fillna("").astype("str")
    body = (frame["title"].fillna("").astype("str") + " . " + description).where(title_hint, description)
    needed = frame["schedule_text"].isna() | text["weekday"].isna() | text["start_time"].isna()
    free = _facts_frame(body.where(needed & body.str.contains(SCHEDULE_HINT, case=False, regex=True).fillna(False).astype(bool)), today)
    # The weekday, ordinal and frequency travel together: take them from one source.
    use_text = text["weekday"].notna() | text["frequency"].notna()
    pattern = _rows_from(use_text, text, free)

    weekday, weekday_origin = _pick((struct_wd, "structured"), (pattern["weekday"], "parsed"))
    start_time, start_time_origin = _pick((s_time, "structured"), (text["start_time"], "parsed"), (free["start_time"], "parsed"))
    # A parsed end time belongs to the parsed start time: use it only when both agree on the start.
    parsed_start = text["start_time"].where(text["start_time"].notna(), free["start_time"])
    parsed_end = text["end_time"].where(text["start_time"].notna(), free["end_time"])
    agrees = start_time_origin.ne("structured") | as_flags(parsed_start.eq(start_time))
    end_time, end_time_origin = _pick((e_time, "structured"), (parsed_end.where(agrees), "parsed"))
    start_date, start_date_origin = _pick((s_date, "structured"), (text["start_date"], "parsed"), (free["start_date"], "parsed"))
    date_facts = _rows_from(text["start_date"].notna(), text, free)
    end_date = e_date.where(e_date.notna(), date_facts["end_date"].where(start_date_origin == "parsed"))

    use_rule = rule_facts["frequency"].notna() | rule_facts["weekday"].notna()
    frequency = rule_facts["frequency"].where(use_rule, pattern["frequency"])
    week_of_month = rule_facts["week_of_month"].where(use_rule, pattern["week_of_month"])
    weeks = rule_facts["weeks_of_month"].where(use_rule, pattern["weeks_of_month"])
    count = rule_facts["session_count"].where(rule_facts["session_count"].notna(), text["session_count"])
    count = count.where(count.notna(), free["session_count"])
    multi_day = as_flags(text["multi_day"]) | as_flags(free["multi_day"])

    built = unique_rows_map(
        pd.DataFrame({"f": frequency, "w": weekday, "k": weeks, "c": count}),
        lambda f, w, k, c: built_rrule(f, _int_or_none(w), k if isinstance(k, tuple) else (), _int_or_none(c)),
    )
    rrule, rrule_origin = _pick((raw_rule, "structured"), (built, "parsed"))
    rrule_origin = rrule_origin.mask(rrule_origin.eq("structured") & rrule.isna(), "unknown")

    several = as_flags(pattern["several_a_month"])
    rhythm = _rhythms(start_date, end_date, multi_day, count, frequency.where(~several, "several"), week_of_month, raw_rule, frame["occurrences"])
    rrule = rrule.where(rhythm.isin(["recurring", "short_cycle"]))
    rrule_origin = rrule_origin.where(rrule.notna(), "unknown")
    keys = pd.DataFrame({"r": rrule, "d": start_date, "t": start_time, "z": zones, "x": frame["exdates"]})
    computed = unique_rows_map(keys, lambda r, d, t, z, x: next_occurrence(r, d, t, z, x, today))
    listed = unique_rows_map(pd.DataFrame({"o": frame["occurrences"], "z": zones}), lambda o, z: first_future_occurrence(o, z, today))
    next_occ = listed.where(listed.notna(), computed)

    out = pd.DataFrame(
        {
            "rhythm": rhythm, "weekday": weekday, "week_of_month": week_of_month, "frequency": frequency,
            "start_time": start_time, "end_time": end_time, "start_date": start_date, "end_date": end_date,
            "session_count": count, "rrule": rrule, "next_occurrence": next_occ,
            "weekday_origin": weekday_origin, "start_time_origin": start_time_origin,
            "end_time_origin": end_time_origin.where(end_time.notna(), "unknown"),
            "start_date_origin": start_date_origin, "rrule_origin": rrule_origin,
        },
        index=idx,
    )
    for column in ("weekday", "week_of_month", "session_count"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in out.columns.difference(["weekday", "week_of_month", "session_count"]):
        out[column] = out[column].astype("str")
    return out


def _rows_from(condition: pd.Series, first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Rows of `first` where `condition` holds, of `second` elsewhere."""
    out = second.copy()
    out.loc[condition.to_numpy()] = first.loc[condition.to_numpy()]
    return out


def _facts_frame_from(values: pd.Series, func) -> pd.DataFrame:
    """`func` (text -> ScheduleFacts) of each distinct value, as columns aligned with `values`."""
    text = values.astype("object")
    unique = [v for v in pd.unique(text.dropna()) if isinstance(v, str)]
    facts = [func(v) for v in unique] + [ScheduleFacts()]
    table = pd.DataFrame.from_records([tuple(getattr(f, name) for name in FACT_FIELDS) for f in facts], columns=list(FACT_FIELDS))
    table.index = pd.Index([*unique, None], dtype="object")
    keys = text.where(text.isin(unique), None)
    out = table.reindex(keys.to_numpy())
    out.index = values.index
    return out


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _weekday_of(value: object) -> int | None:
    return dt.date.fromisoformat(value).weekday() if isinstance(value, str) else None


def _rhythms(start_date, end_date, multi_day, count, frequency, week_of_month, raw_rule, occurrences) -> pd.Series:
    """multi_day > short_cycle > recurring > single_session > unknown (first that applies)."""
    span = (pd.to_datetime(end_date, errors="coerce") - pd.to_datetime(start_date, errors="coerce")).dt.days
    several_days = span.between(1, MAX_MULTI_DAY).fillna(False).astype(bool)
    listed = occurrences.astype("str").str.count(";").fillna(-1) >= 1
    numeric_count = pd.to_numeric(count, errors="coerce")
    rhythm = pd.Series("unknown", index=start_date.index, dtype="object")
    rhythm = rhythm.mask(start_date.notna() | numeric_count.eq(1), "single_session")
    rhythm = rhythm.mask(frequency.notna() | week_of_month.notna() | raw_rule.notna() | listed, "recurring")
    rhythm = rhythm.mask(numeric_count.gt(1), "short_cycle")
    return rhythm.mask(several_days | multi_day, "multi_day")
