"""The directory export: the validated, privacy-scrubbed CSV the directory site imports (docs/EXPORT.md).

Publishing is all or nothing: the three files are written next to the published ones, checked,
then swapped in with `os.replace`; a failure leaves yesterday's files byte-identical.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import html_text
import pandas as pd
import pandera.errors
import phonenumbers

from pipelines.clean.text import map_unique_where, per_distinct
from pipelines.engine import bounded_duckdb
from schemas.export import (
    EXPORT_COLUMNS,
    EXPORT_VERSION,
    EXPORTED_FORMATS,
    FORMAT_LABELS,
    MARKUP_PATTERN,
    NUMERIC_COLUMNS,
    TEXT_COLUMNS,
    ExportListing,
)

log = logging.getLogger(__name__)

CSV_NAME, JSON_NAME, DIFF_NAME = "listings.csv", "listings.json", "listings.diff.csv"
VOLATILE_COLUMNS = frozenset({"last_seen", "next_occurrence", "export_version"})
"""Columns that move by themselves every night: a listing is not "changed" when only they differ."""
DIFF_COLUMNS = ("listing_id", "change", "title", "changed_columns")
DATE_COLUMNS = ("start_date", "end_date", "next_occurrence", "first_seen", "last_seen")

# --- person names ---------------------------------------------------------------------------
_U = "A-ZÀ-ÖØ-ÞŒŠŽŸ"
_L = "a-zß-öø-ÿœšžĳ"
_CAP = rf"(?:[{_U}]['’])?[{_U}][{_L}]+"
_CAPS = rf"[{_U}]{{2,}}"
_HON = r"(?i:Dr|Dre|Drs|Pr|Prof|Mme|Mmes|Mlle|Mr|Mrs|Ms|Mx|Mevr|Mevrouw|Dhr|Madame|Monsieur|Meneer)\.?|M\."
_NOT_HON = rf"(?!(?:{_HON})(?![{_L}]))"
_NOT_PARTICLE = r"(?!(?i:van|de|den|der|du|des|le|la|von|te|ten|ter)\s)"
_GIVEN = rf"{_NOT_HON}{_NOT_PARTICLE}{_CAP}(?:-{_CAP})*"
_PARTICLE = r"(?:(?i:van(?:\s+de[nr]?|\s+t)?|de(?:\s+la)?|de[nr]|du|des|le|la|von|te[nr]?)\s+|(?i:d)['’])"
_SURNAME = rf"{_PARTICLE}*(?:{_CAP}|{_CAPS})(?:-(?:{_CAP}|{_CAPS}))*"
PERSON = re.compile(
    rf"(?:(?P<hon>{_HON})\s+)?(?P<given>{_GIVEN})(?P<surname>(?:\s+{_SURNAME}){{1,2}})(?![{_L}{_U}])"
    rf"|(?P<hon_only>{_HON})\s+(?P<surname_only>{_SURNAME})(?![{_L}{_U}])"
)
"""A personal full name ("Marie Dupont", "Dr Anne-Sophie Van den Berghe", "Mme DUPONT")."""
_PERSON_ANY = rf"(?:(?:{_HON})\s+)?{_GIVEN}(?:\s+{_SURNAME}){{0,2}}|(?:{_HON})\s+{_SURNAME}"
_NAME_LIST = rf"(?:{_PERSON_ANY})(?:\s*(?:,|&|\bet\b|\ben\b|\band\b)\s*(?:{_PERSON_ANY}))*"
_PARTICIPLE = r"é(?:e|s|es|[·•.\-]e(?:[·•.\-]?s)?|\(e\)(?:s|\(s\))?)?"
_ROLE_NOUNS = (
    r"animat(?:eur|rice)(?:[·•.\-/]?(?:rice|trice)s?)?s?|intervenant(?:[·•.\-]?e)?s?|facilitat(?:eur|rice)s?"
    r"|psychologue|psychoth[ée]rapeute|psychiatre|(?:art-?)?th[ée]rapeute|sophrologue|infirmi(?:er|ère)"
    r"|r[ée]f[ée]rent(?:[·•.\-]?e)?|personne de contact|contact"
    r"|begeleid(?:st)?er|psycholoog|psychotherapeut|therapeut|contactpersoon|trainer|coach"
    r"|facilitator|therapist|psychologist|counsell?or|contact person"
)
_CUES = (
    rf"(?:co-?)?anim{_PARTICIPLE}\s+par|(?:encadr|accompagn|facilit|men|guid|donn|dirig){_PARTICIPLE}\s+par"
    r"|conduit(?:e|s|es)?\s+par"
    r"|begeleid(?:ing)?\s+door|geleid\s+door|gegeven\s+door|onder\s+leiding\s+van|o\.\s?l\.\s?v\."
    r"|(?:co-?)?led\s+by|facilitated\s+by|hosted\s+by|guided\s+by|taught\s+by|presented\s+by"
    rf"|{_ROLE_NOUNS}"
)
NAME_AFTER_CUE = re.compile(
    rf"(?<![\w])(?P<cue>(?i:{_CUES}))(?P<sep>\s*[:\-–]?\s*(?:(?i:la|le|les|l'|l’|de|het|the|our|notre|onze)\s+)?)"
    rf"(?P<names>{_NAME_LIST})"
)
NAME_BEFORE_ROLE = re.compile(rf"(?P<names>{_NAME_LIST})(?=\s*(?:,|\(|–|-)\s*(?i:{_ROLE_NOUNS})(?![\w]))")
_SPACE_CHARS = "[ \t\u00a0\u202f]"
_CUE_HINT = "(?i)" + _CUES.replace(r"\s", _SPACE_CHARS)
"""A superset of the cue pattern that pyarrow's RE2 runs natively (no `\\s`): a cheap pre-filter."""
_INITIAL_THEN_STOP = re.compile(rf"(\s[{_U}]\.)\.(?!\.)")
_ORGANISATION_WORDS = re.compile(
    r"(?i)\b(?:a\.?s\.?b\.?l|v\.?z\.?w|association|asso|fondation|foundation|stichting|vereniging|centre|center|centrum"
    r"|groupe?|groep|ligue|liga|service|dienst|maison|huis|house|h[oô]pital|ziekenhuis|clinique|kliniek|clinic"
    r"|cpas|ocmw|r[ée]seau|netwerk|network|collecti(?:f|ef|ve)|f[ée]d[ée]ration|federatie|institut|instituut"
    r"|universit[ée]|universiteit|university|club|cercle|anonymes?|anonymous|al-anon|mutualit[ée]|mutualiteit"
    r"|ziekenfonds|[ée]cole|school|paroisse|parish|commune|gemeente|ville|stad|province|provincie|[ée]quipe|team"
    r"|projet|project|sprl|srl|bv|nv|ltd|inc|gmbh|sa|sàrl|sarl|cooperative|coop[ée]rative)\b"
)

# --- contacts -------------------------------------------------------------------------------
WEBMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.fr", "hotmail.be", "hotmail.ch", "outlook.com",
    "outlook.fr", "outlook.be", "live.com", "live.fr", "live.be", "msn.com", "yahoo.com", "yahoo.fr", "yahoo.be",
    "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.fr", "gmx.ch", "gmx.net", "gmx.de", "web.de",
    "protonmail.com", "proton.me", "skynet.be", "telenet.be", "proximus.be", "scarlet.be", "voo.be",
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "bluewin.ch", "hispeed.ch", "sunrise.ch",
    "pt.lu", "internet.lu",
})
"""Mailbox providers for private people: an address there is a person's own, not the group's."""
PERSONAL_LOCAL_PART = r"^[a-z]+(?:['-][a-z]+)*[._][a-z]+(?:['-][a-z]+)*\d*$"
MOBILE_PREFIXES = r"^\+(?:324[5-9]|33[67]|417[5-9]|3526)"
"""Mobile ranges (BE 045x–049x, FR 06/07, CH 075–079, LU 6xx) for invented or unassigned numbers
that phonenumbers cannot type; assigned numbers are typed by phonenumbers itself."""
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)?\d[\d .\/()\-]{6,}\d")
REMOVED = "[…]"


class ExportError(RuntimeError):
    """The export was not published (the previous files stay in place); the message says why."""


@dataclass
class ExportPaths:
    csv: Path
    json: Path
    diff: Path
    rows: int
    added: int
    changed: int
    removed: int


# --- rows ------------------------------------------------------------------------------------
def publishable(directory: pd.DataFrame) -> pd.Series:
    """Rows the directory may show: active, in scope and not waiting for an analyst."""
    keep = directory["format"].isin(EXPORTED_FORMATS).fillna(False).astype(bool)
    if "status" in directory.columns:
        keep &= directory["status"].eq("active").fillna(False).astype(bool)
    if "needs_review" in directory.columns:
        keep &= ~directory["needs_review"].astype("boolean").fillna(True).astype(bool)
    return keep


def export_listings(directory: pd.DataFrame) -> pd.DataFrame:
    """`EXPORT_COLUMNS` rows of the publishable listings, scrubbed and validated (ExportError if not).

    `attrs["dropped"]` counts the rows refused by the defensive publishability check.
    """
    keep = publishable(directory) if len(directory) else pd.Series(dtype=bool)
    dropped = int((~keep).sum())
    if dropped:
        log.warning("export: %d row(s) of the directory view are not publishable and were left out", dropped)
    rows = directory.loc[keep] if len(directory) else directory.copy()  # a selection is a copy already
    for column in (*EXPORT_COLUMNS, "facilitator_text", "contact_text", "phone_origin"):
        if column not in rows.columns:
            rows[column] = pd.Series(pd.NA, index=rows.index, dtype="object")
    rows = rows.assign(**{c: per_distinct(rows[c], safe_text) for c in TEXT_COLUMNS if c not in DATE_COLUMNS})
    rows = rows.assign(
        title=scrubbed_person_names(rows["title"]),
        description=scrubbed_person_names(rows["description"]),
        organizer=organisation_only(rows["organizer"]),
    )
    rows = organisation_contacts(rows)
    labels = {lang: rows["format"].map({k: v[lang] for k, v in FORMAT_LABELS.items()}) for lang in ("fr", "nl", "en")}
    rows = rows.assign(
        **{f"format_label_{lang}": label for lang, label in labels.items()},
        **{c: iso_dates(rows[c]) for c in ("start_date", "end_date", "first_seen", "last_seen")},
        next_occurrence=iso_datetimes(rows["next_occurrence"]),
        export_version=EXPORT_VERSION,
    )
    out = rows[list(EXPORT_COLUMNS)].sort_values("listing_id", kind="stable").reset_index(drop=True)
    out = validated(out)
    out.attrs["dropped"] = dropped
    return out


def validated(export: pd.DataFrame) -> pd.DataFrame:
    """`export` checked against ExportListing (every failure collected), or ExportError."""
    try:
        return ExportListing.validate(export, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        ids = export["listing_id"] if "listing_id" in export.columns else pd.Series(dtype="str")
        cases = cases.assign(listing_id=cases["index"].map(lambda i: ids.get(i) if pd.notna(i) else None))
        lines = [
            f"{col or '<frame>'}: {check} ({len(group)} row(s), e.g. {', '.join(map(str, group['listing_id'].dropna().unique()[:3])) or '-'})"
            for (col, check), group in cases.groupby(["column", "check"], dropna=False)
        ][:10]
        raise ExportError(f"export failed validation, {len(cases)} failure(s): " + "; ".join(lines)) from exc
    except pandera.errors.SchemaError as exc:
        raise ExportError(f"export failed validation: {exc}") from exc


def iso_dates(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD text from dates, timestamps or ISO strings (DuckDB hands back any of them); parsed
    once per distinct value (a night's first_seen holds a few hundred dates over a million rows)."""
    return per_distinct(values, _iso_dates)


def _iso_dates(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values.astype("object"), errors="coerce", format="mixed", utc=False)
    return parsed.dt.strftime("%Y-%m-%d").astype("str")


def iso_datetimes(values: pd.Series) -> pd.Series:
    """ISO 8601 text with offset; strings pass through as the clean stage wrote them."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.map(lambda t: t.isoformat(), na_action="ignore").astype("str")
    return values.astype("str")


# --- safe text -------------------------------------------------------------------------------
def safe_text(text: pd.Series) -> pd.Series:
    """One line of plain text per cell."""
    return single_line(without_markup(text))


def without_markup(text: pd.Series) -> pd.Series:
    """Tags removed (html-text on the few cells that hold one, then any residue): the clean stage
    already produced plain text, so this is the last line of defence, not the parser."""
    text = text.astype("str")
    return map_unique_where(text, text.str.contains(MARKUP_PATTERN, regex=True).fillna(False).astype(bool), _plain)


def _plain(value: str) -> str:
    return re.sub(MARKUP_PATTERN + r"[^>]*>?", " ", html_text.extract_text(value, guess_layout=False)).strip()


_BREAKS = "[\r\n\t\v\f\u0085\u2028\u2029]"


def single_line(text: pd.Series) -> pd.Series:
    """Line breaks and tabs become spaces: one physical line per record, for every importer."""
    text = text.astype("str")
    broken = text.str.contains(_BREAKS, regex=True).fillna(False).astype(bool)
    if broken.any():
        text = text.mask(broken, text[broken].str.replace(_BREAKS + "+", " ", regex=True))
    text = text.str.strip()
    return text.mask(text == "")


def neutralise_formulas(text: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run as a formula (= + - @ tab CR first) get a leading
    apostrophe (OWASP CSV injection); numeric columns are returned untouched."""
    if not (pd.api.types.is_string_dtype(text) or pd.api.types.is_object_dtype(text)):
        return text
    as_text = text.astype("str")
    risky = as_text.str.match(r"[=+\-@\t\r]").fillna(False).astype(bool)
    return as_text.mask(risky, "'" + as_text)


# --- privacy ---------------------------------------------------------------------------------
def scrubbed_person_names(text: pd.Series) -> pd.Series:
    """Full names after facilitation cues (or before a role) cut to the first name: "animé par
    Marie Dupont" → "animé par Marie", "Mme Dupont" → "Mme D." (GDPR, 12-step anonymity)."""
    text = text.astype("str")
    return map_unique_where(text, text.str.contains(_CUE_HINT, regex=True).fillna(False).astype(bool), _scrub_names)


def _scrub_names(value: str) -> str:
    value = NAME_AFTER_CUE.sub(lambda m: m["cue"] + m["sep"] + PERSON.sub(_short_name, m["names"]), value)
    value = NAME_BEFORE_ROLE.sub(lambda m: PERSON.sub(_short_name, m["names"]), value)
    return _INITIAL_THEN_STOP.sub(r"\1", value)


def _short_name(match: re.Match) -> str:
    if match["given"]:
        return f"{match['hon']} {match['given']}" if match["hon"] else match["given"]
    initial = re.sub(_PARTICLE, "", match["surname_only"]).strip()[:1].upper()
    return f"{match['hon_only']} {initial}."


def organisation_only(organizer: pd.Series) -> pd.Series:
    """Organiser names that are a private person (honorific, CAPS surname or a role after the
    name, and no organisation word) become empty; names inside an organiser text are scrubbed."""
    text = organizer.astype("str")
    marked = (
        text.str.contains(rf"^\s*(?:{_HON})\s", regex=True)
        | text.str.contains(rf"\s{_CAPS}(?:\s|$|,)", regex=True)
        | text.str.contains(rf"[,(–-]\s*(?i:{_ROLE_NOUNS})", regex=True)
    ).fillna(False).astype(bool)
    person = pd.Series(False, index=text.index)
    if marked.any():
        candidates = text[marked]
        shape = candidates.str.fullmatch(rf"\s*(?:{PERSON.pattern})\s*(?:[,(–-].*)?").fillna(False).astype(bool)
        organisation = candidates.str.contains(_ORGANISATION_WORDS, regex=True).fillna(False).astype(bool)
        person[marked] = shape & ~organisation
    return scrubbed_person_names(text).mask(person)


def personal_email(email: pd.Series, webmail: frozenset[str] = WEBMAIL_DOMAINS) -> pd.Series:
    """firstname.lastname@ at a private mailbox provider (True), an organisation's address (False)."""
    return per_distinct(email.astype("str"), lambda distinct: _personal(distinct, webmail)).fillna(False).astype(bool)


def _personal(email: pd.Series, webmail: frozenset[str]) -> pd.Series:
    parts = email.str.lower().str.rsplit("@", n=1, expand=True).reindex(columns=[0, 1])
    named = parts[0].astype("str").str.match(PERSONAL_LOCAL_PART).fillna(False).astype(bool)
    return named & parts[1].astype("str").isin(webmail).fillna(False).astype(bool)


@lru_cache(maxsize=262_144)
def is_mobile(e164: str) -> bool:
    try:
        return _is_mobile_number(_e164_number(e164), e164)
    except phonenumbers.NumberParseException:
        return False


_HOME_CODES = {str(code): code for code in (32, 33, 41, 352)}


def _e164_number(e164: str) -> phonenumbers.PhoneNumber:
    """The clean stage's E.164 text as a PhoneNumber. Within the four countries, whose national
    numbers never start with 0 once in E.164, it is built directly (parsing, half the cost of the
    export's phone check at a million listings, would find the same); other numbers are parsed."""
    for digits in (2, 3):
        code = _HOME_CODES.get(e164[1:1 + digits])
        if code is not None and e164[1 + digits:].isdigit() and not e164[1 + digits:].startswith("0"):
            return phonenumbers.PhoneNumber(country_code=code, national_number=int(e164[1 + digits:]))
    return phonenumbers.parse(e164)


def _is_mobile_number(number: phonenumbers.PhoneNumber, e164: str) -> bool:
    """A mobile line: phonenumbers' type for assigned numbers, `MOBILE_PREFIXES` for the rest.

    `number_type` is UNKNOWN exactly when `is_valid_number` is false (both read the number's
    region and match it against the same descriptions): one lookup instead of two."""
    kind = phonenumbers.number_type(number)
    if kind != phonenumbers.PhoneNumberType.UNKNOWN:
        return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.PAGER)
    return re.match(MOBILE_PREFIXES, e164) is not None


def mobile(phone: pd.Series) -> pd.Series:
    phone = phone.astype("str")
    known = phone.notna()
    return pd.Series(False, index=phone.index).mask(known, phone[known].map(is_mobile)).astype(bool)


def given_as_group_contact(frame: pd.DataFrame) -> pd.Series:
    """The source gave the number as the group's contact: its structured phone field, or its
    contact block (contact_text) holds the same digits."""
    structured = frame["phone_origin"].eq("structured").fillna(False).astype(bool)
    national = frame["phone"].astype("str").str.replace(r"^\+(?:32|33|41|352)", "", regex=True)
    contact_digits = frame["contact_text"].astype("str").str.replace(r"\D", "", regex=True)
    in_contact = pd.Series(
        [isinstance(n, str) and isinstance(c, str) and n in c for n, c in zip(national, contact_digits, strict=True)],
        index=frame.index, dtype=bool,
    )
    return structured | in_contact


def organisation_contacts(frame: pd.DataFrame) -> pd.DataFrame:
    """Only organisations' contact points: a mobile number stays only when the source gives it as
    the group's contact; a personal e-mail only when it is the sole way to reach the group; the
    same people's mobile numbers and mailboxes are cut out of the description."""
    is_mobile_phone = mobile(frame["phone"])
    private_phone = is_mobile_phone.copy()
    if is_mobile_phone.any():
        private_phone[is_mobile_phone] = ~given_as_group_contact(frame[is_mobile_phone])
    phone = frame["phone"].astype("str").mask(private_phone)
    only_contact = phone.isna() & frame["website"].isna()
    email = frame["email"].astype("str")
    email = email.mask(personal_email(email) & ~only_contact)
    description = without_private_contacts(frame["description"].astype("str"), frame["country"], keep=phone)
    return frame.assign(phone=phone, email=email, description=description)


def without_private_contacts(text: pd.Series, country: pd.Series, keep: pd.Series) -> pd.Series:
    """Mobile numbers (other than the listing's own published phone) and personal webmail
    addresses removed from free text (descriptions repeat: each distinct one is searched once)."""
    text = per_distinct(text.astype("str"), _without_personal_mail)
    digits = per_distinct(text, lambda distinct: distinct.str.contains(r"\d[\d .\/()\-]{6,}\d", regex=True))
    digits = digits.fillna(False).astype(bool)
    if not digits.any():
        return text
    region = country.astype("str").fillna("BE")
    keys = list(zip(text[digits], region[digits], keep.astype("str")[digits].fillna(""), strict=True))
    mapping = {k: _without_mobiles(*k) for k in dict.fromkeys(keys)}
    return text.mask(digits, pd.Series([mapping[k] for k in keys], index=text[digits].index, dtype="str"))


_PERSONAL_MAIL = (rf"(?i)\b[a-z]+(?:['-][a-z]+)*[._][a-z]+(?:['-][a-z]+)*\d*@"
                  rf"(?:{'|'.join(re.escape(d) for d in sorted(WEBMAIL_DOMAINS))})\b")


def _without_personal_mail(text: pd.Series) -> pd.Series:
    at = text.str.contains("@", regex=False).fillna(False).astype(bool)
    return text.mask(at, text[at].str.replace(_PERSONAL_MAIL, REMOVED, regex=True)) if at.any() else text


def _without_mobiles(value: str, region: str, keep: str) -> str:
    def replace(match: re.Match) -> str:
        e164 = _mobile_e164(match.group(0), region if region in ("BE", "FR", "CH", "LU") else "BE")
        return REMOVED if e164 is not None and e164 != keep else match.group(0)

    return _PHONE_IN_TEXT.sub(replace, value)


@lru_cache(maxsize=262_144)
def _mobile_e164(written: str, region: str) -> str | None:
    """The E.164 form of a number written in free text when it is a mobile line, else None (one
    parse per spelling: an association's number recurs in many descriptions)."""
    try:
        number = phonenumbers.parse(written, region)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if _is_mobile_number(number, e164) else None


# --- files -----------------------------------------------------------------------------------
@contextmanager
def temporary_sibling(path: Path) -> Iterator[Path]:
    """A temporary file in `path`'s folder (so os.replace is atomic), removed unless consumed.

    Created with the mode any new file gets (0666 less the umask): `mkstemp`'s 0600 would be
    published with it, and the web server that serves the directory's files could not read them."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _csv_to(frame: pd.DataFrame, path: Path, *, sep: str = ",", bom: bool = False) -> None:
    """RFC 4180 with CRLF, fields quoted only where needed, nulls and empty text as empty fields.

    Frames of text and numbers go through DuckDB's writer (the same bytes as pandas' `to_csv`, at
    a sixth of its time: 2 s instead of 11 s for 600,000 listings); anything else through pandas."""
    if len(frame.columns) and all(_duckdb_writes_as_pandas(frame[c]) for c in frame.columns):
        _duckdb_csv_to(frame, path, sep=sep, bom=bom)
    else:
        frame.to_csv(
            path, index=False, sep=sep, decimal="," if sep == ";" else ".", encoding="utf-8-sig" if bom else "utf-8",
            quoting=csv.QUOTE_MINIMAL, doublequote=True, lineterminator="\r\n",
        )
    _fsync(path)


def _duckdb_writes_as_pandas(column: pd.Series) -> bool:
    return (pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype)) or (
        pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype))


def _duckdb_csv_to(frame: pd.DataFrame, path: Path, *, sep: str, bom: bool) -> None:
    """Where DuckDB's defaults differ from pandas', the cells are given as pandas writes them: empty
    text as null (DuckDB quotes ""), decimal-comma numbers as text; no comment character (DuckDB
    quotes a leading '#'); the BOM is written first and DuckDB appends nothing else to the file."""
    cells = frame.assign(**{
        c: _decimal_comma(frame[c]) if sep == ";" and pd.api.types.is_float_dtype(frame[c].dtype)
        else frame[c].mask(frame[c].eq("")) if pd.api.types.is_string_dtype(frame[c].dtype) else frame[c]
        for c in frame.columns
    })
    _duckdb_copy(cells, path, f"FORMAT csv, HEADER, DELIMITER '{sep}', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\r\\n', COMMENT ''")
    if bom:
        _wrap(path, "\ufeff".encode())


def _decimal_comma(values: pd.Series) -> pd.Series:
    """Floats as pandas writes them with decimal="," (shortest round-trip text, comma for point)."""
    text = pd.Series(values.to_numpy().astype(str), index=values.index, dtype="str").str.replace(".", ",", regex=False)
    return text.mask(values.isna())


def _wrap(path: Path, head: bytes, tail: bytes = b"") -> None:
    """`head` + the file + `tail` in place of the file (DuckDB writes a file whole, never appends)."""
    with temporary_sibling(path) as tmp:
        with tmp.open("wb") as out, path.open("rb") as body:
            out.write(head)
            shutil.copyfileobj(body, out, 16 * 1024 * 1024)
            out.write(tail)
        os.replace(tmp, path)


def _duckdb_copy(frame: pd.DataFrame, path: Path, options: str) -> None:
    """`frame`'s rows, in order, written by DuckDB's COPY with `options` (ours, never web text).

    On one thread: to keep the rows in order, threads writing side by side hold their finished
    parts in memory until the file can take them (600,000 listings: JSON +1.1 GB and 3.4 s on
    two threads, +0.06 GB and 2.5 s on one; CSV +0.7 GB and 1.9 s, +0.04 GB and 1.4 s)."""
    with bounded_duckdb() as con:
        con.execute("SET threads = 1")
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{str(path).replace(chr(39), chr(39) * 2)}' ({options})")


def write_csv_atomic(frame: pd.DataFrame, path: Path, *, sep: str = ",", bom: bool = False) -> Path:
    """`frame` as an RFC 4180 CSV at `path`, replacing any previous file only once fully written;
    text cells a spreadsheet would run as formulas are neutralised (every CSV we write gets opened)."""
    path = Path(path)
    with temporary_sibling(path) as tmp:
        _csv_to(frame.apply(neutralise_formulas) if len(frame.columns) else frame, tmp, sep=sep, bom=bom)
        os.replace(tmp, path)
    fsync_dir(path.parent)
    return path


def csv_cells(export: pd.DataFrame) -> pd.DataFrame:
    """The export as it goes into a spreadsheet: formula-like text cells neutralised."""
    return export.assign(**{c: neutralise_formulas(export[c]) for c in export.columns if c not in NUMERIC_COLUMNS})


def read_published(path: Path) -> pd.DataFrame | None:
    """A published listings.csv as text cells (either dialect), numbers with a '.' decimal point."""
    if not path.is_file():
        return None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    sep = ";" if header.startswith("listing_id;") else ","
    frame = pd.read_csv(path, sep=sep, dtype="str", keep_default_na=False, encoding="utf-8-sig", engine="pyarrow")
    if sep == ";":
        numeric = [c for c in NUMERIC_COLUMNS if c in frame.columns]
        frame[numeric] = frame[numeric].apply(lambda col: col.str.replace(",", ".", regex=False))
    return frame


def listing_diff(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """listing_id, change (added|changed|removed), title and the changed columns, between two
    published files read by `read_published` (volatile columns ignored)."""
    if previous is None or "listing_id" not in previous.columns:
        previous = current.iloc[0:0]
    prev, cur = previous.set_index("listing_id"), current.set_index("listing_id")
    added = cur.index.difference(prev.index)
    removed = prev.index.difference(cur.index)
    both = cur.index.intersection(prev.index)
    compared = [c for c in cur.columns if c in prev.columns and c not in VOLATILE_COLUMNS]
    differs = cur.loc[both, compared].ne(prev.loc[both, compared])
    changed = differs.index[differs.any(axis=1)]
    changed_columns = differs.loc[changed].apply(lambda row: " ".join(row.index[row]), axis=1) if len(changed) else []
    parts = [
        pd.DataFrame({"listing_id": added, "change": "added", "title": cur.loc[added, "title"].to_numpy(), "changed_columns": ""}),
        pd.DataFrame({"listing_id": changed, "change": "changed", "title": cur.loc[changed, "title"].to_numpy(),
                      "changed_columns": list(changed_columns)}),
        pd.DataFrame({"listing_id": removed, "change": "removed", "title": prev.loc[removed, "title"].to_numpy(), "changed_columns": ""}),
    ]
    out = pd.concat(parts, ignore_index=True).astype("str")
    return out[list(DIFF_COLUMNS)].sort_values(["change", "listing_id"], kind="stable").reset_index(drop=True)


def _json_to(export: pd.DataFrame, path: Path) -> None:
    """The rows as a JSON array by DuckDB's writer (4 s for 600,000 listings; pandas' `to_json`, in
    slices to bound its memory, took 11 s), inside the document's header object."""
    _duckdb_copy(export, path, "FORMAT json, ARRAY true")
    columns = ",".join(f'"{c}"' for c in export.columns)
    head = f'{{"export_version":"{EXPORT_VERSION}","rows":{len(export)},"columns":[{columns}],"listings":'
    _wrap(path, head.encode(), b"}\n")
    _fsync(path)


def write_exports(export: pd.DataFrame, out_dir: Path, *, excel_friendly: bool = False,
                  previous: Path | None = None) -> ExportPaths:
    """listings.csv, listings.json and listings.diff.csv, swapped in only when all three are written
    and the CSV reads back whole; otherwise ExportError and the published files stay as they were.

    `excel_friendly`: UTF-8 BOM, ';' separator and decimal comma (Belgian and French spreadsheets).
    `previous`: the published CSV the diff compares with, when `out_dir` is a staging folder.
    """
    export = validated(export)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {name: out_dir / name for name in (CSV_NAME, JSON_NAME, DIFF_NAME)}
    sep = ";" if excel_friendly else ","
    try:
        with temporary_sibling(targets[CSV_NAME]) as csv_tmp, temporary_sibling(targets[JSON_NAME]) as json_tmp, \
                temporary_sibling(targets[DIFF_NAME]) as diff_tmp:
            _csv_to(csv_cells(export), csv_tmp, sep=sep, bom=excel_friendly)
            written = read_published(csv_tmp)
            if written is None or len(written) != len(export) or tuple(written.columns) != EXPORT_COLUMNS:
                raise ExportError(f"the written CSV does not read back as {len(export)} rows of the contract columns")
            diff = listing_diff(read_published(previous or targets[CSV_NAME]), written)
            _csv_to(diff, diff_tmp, sep=sep, bom=excel_friendly)
            _json_to(export, json_tmp)
            # the CSV is the contract: it is swapped in last, so a crash in between leaves it untouched
            os.replace(diff_tmp, targets[DIFF_NAME])
            os.replace(json_tmp, targets[JSON_NAME])
            os.replace(csv_tmp, targets[CSV_NAME])
        fsync_dir(out_dir)
    except OSError as exc:
        raise ExportError(f"export not written to {out_dir}: {exc}") from exc
    counts = diff["change"].value_counts()
    return ExportPaths(
        csv=targets[CSV_NAME], json=targets[JSON_NAME], diff=targets[DIFF_NAME], rows=len(export),
        added=int(counts.get("added", 0)), changed=int(counts.get("changed", 0)), removed=int(counts.get("removed", 0)),
    )


def promote_staged(staging: Path, out_dir: Path) -> list[Path]:
    """Move every file written under `staging` to the same place under `out_dir` (renames on one
    file system: no space needed, nothing half-written), the CSV contract last; then drop
    `staging`. Called once the warehouse is published, so the two never disagree for long."""
    staging, out_dir = Path(staging), Path(out_dir)
    files = sorted((p for p in staging.rglob("*") if p.is_file()), key=lambda p: (p.name == CSV_NAME, str(p)))
    moved = []
    for source in files:
        target = out_dir / source.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        moved.append(target)
    for folder in {t.parent for t in moved}:
        fsync_dir(folder)
    shutil.rmtree(staging, ignore_errors=True)
    return moved
