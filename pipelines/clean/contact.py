"""How to reach the group: phone in E.164, a checked e-mail address, a canonical website.

phonenumbers and email-validator do the reading; each distinct (text, country) pair is read once.
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

from pipelines.clean.text import unique_rows_map

DEFAULT_REGION = "BE"
E164 = re.compile(r"\+[1-9]\d{5,14}")
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_OBFUSCATED_AT = re.compile(r"\s*(?:\[at\]|\(at\)|\{at\}|\[@\]|\(@\))\s*", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\s*(?:\[dot\]|\(dot\)|\[point\]|\(point\))\s*", re.IGNORECASE)
EMAIL_CANDIDATE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
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


def _mapped(texts: pd.Series, func, *extra: pd.Series) -> pd.Series:
    """`func` of each distinct (text, extra…) combination, mapped back to the rows."""
    readable = texts.where(texts.notna() & _worth_reading(texts, func))
    keys = pd.DataFrame({"text": readable, **{f"extra{i}": e for i, e in enumerate(extra)}})
    return unique_rows_map(keys, lambda text, *rest: func(text, *rest) if text is not None else None).astype("str")


def _worth_reading(texts: pd.Series, func) -> pd.Series:
    """Cheap vectorised pre-check so that the libraries only see texts that can hold a value."""
    text = texts.astype("str")
    if func is phone_e164:
        found = text.str.contains(r"[0-9][0-9 .\/()\-]{5,}[0-9]", regex=True)
    elif func is email_address:
        found = text.str.contains(r"@|\[at\]|\(at\)|\{at\}", regex=True)
    else:
        return texts.notna()
    return found.fillna(False).astype(bool)


def listing_contacts(frame: pd.DataFrame, country: pd.Series) -> pd.DataFrame:
    """`phone`, `email`, `website` and origins: structured fields first, else contact text, then description."""
    region = country.fillna(DEFAULT_REGION).astype("str")
    phone, phone_origin = _first_known(
        (_mapped(frame["phone"], phone_e164, region), "structured"),
        (_mapped(frame["contact_text"], phone_e164, region), "parsed"),
        (_mapped(frame["description"].astype("str").str.slice(0, 3000), phone_e164, region), "parsed"),
    )
    email, email_origin = _first_known(
        (_mapped(frame["email"], email_address), "structured"),
        (_mapped(frame["contact_text"], email_address), "parsed"),
        (_mapped(frame["description"], email_address), "parsed"),
    )
    return pd.DataFrame(
        {
            "phone": phone, "email": email, "website": _mapped(frame["website"], canonical_website),
            "phone_origin": phone_origin, "email_origin": email_origin,
        },
        index=frame.index,
    )
