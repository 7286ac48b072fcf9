"""How to reach the group: phone in E.164, a checked e-mail address, a canonical website.

phonenumbers and email-validator do the reading. A vectorised regex first cuts each text into the
candidates that could be a number or an address, and the libraries read each distinct candidate
once: descriptions are unique per listing, their phone numbers and addresses are not.
Invented numbers in listings often fall outside the assigned ranges, so a phone number needs only
a possible length for its country, not a number plan allocation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from pipelines.clean.text import per_distinct, unique_map, unique_rows_map

DEFAULT_REGION = "BE"
E164 = re.compile(r"\+[1-9]\d{5,14}")
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_OBFUSCATED_AT = re.compile(r"\s*(?:\[at\]|\(at\)|\{at\}|\[@\]|\(@\))\s*", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\s*(?:\[dot\]|\(dot\)|\[point\]|\(point\))\s*", re.IGNORECASE)
EMAIL_CANDIDATE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE_CANDIDATE = re.compile(r"(?:\+|\b00)?\d[\d\s./()\-]{5,}\d")
"""A run of digits and separators long enough to be a phone number (a superset of what
phonenumbers' matcher accepts, so it loses nothing)."""
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|igshid|ref|ref_src)$", re.IGNORECASE)


@lru_cache(maxsize=131_072)
def phone_e164(text: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The first phone number in `text` as E.164 ("+3241234567"); None when there is none."""
    if not isinstance(text, str) or not re.search(r"\d{2}", text):
        return None
    region = region if region in ("BE", "FR", "CH", "LU") else DEFAULT_REGION
    cleaned = _TRUNK_ZERO.sub(" ", text[:2000])
    try:
        for match in phonenumbers.PhoneNumberMatcher(cleaned, region, leniency=phonenumbers.Leniency.POSSIBLE):
            number = match.number
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(number) and len(str(number.national_number)) >= 8 and E164.fullmatch(formatted):
                return formatted
    except (phonenumbers.NumberParseException, ValueError, IndexError):
        return None
    return None


@lru_cache(maxsize=131_072)
def email_address(text: str | None) -> str | None:
    """The first syntactically valid e-mail address in `text`, normalised and lower-cased."""
    if not isinstance(text, str) or not ("@" in text or "at" in text.lower()):
        return None
    plain = _OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", text.replace("mailto:", " ")))
    for candidate in EMAIL_CANDIDATE.findall(plain):
        try:
            checked = validate_email(candidate.strip(".'"), check_deliverability=False)
        except (EmailNotValidError, ValueError, UnicodeError):
            continue
        return checked.normalized.lower()
    return None


@lru_cache(maxsize=131_072)
def canonical_website(url: str | None) -> str | None:
    """http(s) URL with a scheme, a lower-case host, no tracking parameters and no fragment."""
    if not isinstance(url, str) or not url.strip() or re.search(r"\s", url.strip()):
        return None
    text = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*:", text, re.IGNORECASE):
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)])
    return urlunsplit((parts.scheme.lower(), host + port, parts.path or "/", query, ""))


def _first_known(*columns: tuple[pd.Series, str]) -> tuple[pd.Series, pd.Series]:
    value = pd.Series(pd.NA, index=columns[0][0].index, dtype="str")
    origin = pd.Series("unknown", index=value.index, dtype="str")
    for series, name in columns:
        take = value.isna() & series.notna()
        value, origin = value.mask(take, series), origin.mask(take, name)
    return value.astype("str"), origin


def _first_read(texts: pd.Series, hint: str, candidate: re.Pattern, func, *extra: pd.Series) -> pd.Series:
    """Per row, the first of its `candidate` substrings that `func(candidate, *extra)` reads
    (null when none does), searched once per distinct (text, extra…); `hint` (a regex every
    candidate contains, simple enough for RE2 over the whole column) skips the other rows."""
    result = pd.Series(pd.NA, index=texts.index, dtype="str")
    text = texts.astype("str")
    hinted = text.str.contains(hint, regex=True).fillna(False).astype(bool)
    if not hinted.any():
        return result
    keys = pd.DataFrame({"text": text[hinted], **{f"extra{i}": e[hinted] for i, e in enumerate(extra)}})

    def first(value: str, *more: object) -> str | None:
        return next((read for found in candidate.findall(value) if (read := func(found, *more)) is not None), None)

    return result.mask(hinted, unique_rows_map(keys, first)).astype("str")


def _phones(texts: pd.Series, region: pd.Series) -> pd.Series:
    return _first_read(texts, r"[0-9]{2}", PHONE_CANDIDATE, phone_e164, region)


def _emails(texts: pd.Series) -> pd.Series:
    return _first_read(per_distinct(texts.astype("str"), _deobfuscated), "@", EMAIL_CANDIDATE, email_address)


def _deobfuscated(texts: pd.Series) -> pd.Series:
    """"name [at] site [dot] org" as an address; the patterns as text so that pyarrow's RE2 runs them."""
    plain = texts.str.replace("mailto:", " ", regex=False)
    return plain.str.replace(f"(?i){_OBFUSCATED_AT.pattern}", "@", regex=True).str.replace(
        f"(?i){_OBFUSCATED_DOT.pattern}", ".", regex=True)


def listing_contacts(frame: pd.DataFrame, country: pd.Series) -> pd.DataFrame:
    """`phone`, `email`, `website` and origins: structured fields first, else contact text, then description."""
    region = country.fillna(DEFAULT_REGION).astype("str")
    phone, phone_origin = _first_known(
        (_phones(frame["phone"], region), "structured"),
        (_phones(frame["contact_text"], region), "parsed"),
        (_phones(frame["description"].astype("str").str.slice(0, 3000), region), "parsed"),
    )
    email, email_origin = _first_known(
        (_emails(frame["email"]), "structured"),
        (_emails(frame["contact_text"]), "parsed"),
        (_emails(frame["description"]), "parsed"),
    )
    return pd.DataFrame(
        {
            "phone": phone, "email": email, "website": unique_map(frame["website"], canonical_website).astype("str"),
            "phone_origin": phone_origin, "email_origin": email_origin,
        },
        index=frame.index,
    )
