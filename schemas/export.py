"""`ExportListing`: the CSV contract the directory site imports every morning (docs/EXPORT.md).

The column list, order and types change only with a version bump (`EXPORT_VERSION`, semver:
adding a column is minor, removing, renaming or retyping one is major).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from schemas.classified import AUDIENCES, FACILITATOR_TYPES, FORMATS, TOPICS, slug_list_pattern
from schemas.clean import ATTENDANCES, COUNTRIES, ENTRIES, FREQUENCIES, LANGUAGES, PRICE_KINDS, RHYTHMS
from schemas.listing import LISTING_ID_PATTERN

EXPORT_VERSION = "1.0.0"

EXPORTED_FORMATS = tuple(f for f in FORMATS if f != "out_of_scope")

FORMAT_LABELS: dict[str, dict[str, str]] = {
    "therapy_group": {"fr": "Groupe thérapeutique", "nl": "Therapeutische groep", "en": "Therapy group"},
    "support_group": {"fr": "Groupe de soutien / d'entraide", "nl": "Steungroep / zelfhulpgroep", "en": "Support group"},
    "talking_group": {"fr": "Groupe de parole", "nl": "Praatgroep / gespreksgroep", "en": "Talking circle"},
    "workshop": {"fr": "Atelier", "nl": "Workshop / vorming", "en": "Workshop"},
    "retreat": {"fr": "Retraite bien-être", "nl": "Retraite", "en": "Wellness retreat"},
    "art_therapy_psychodrama": {"fr": "Art-thérapie et psychodrame", "nl": "Creatieve therapie / psychodrama", "en": "Art therapy & psychodrama"},
    "personal_development": {"fr": "Développement personnel", "nl": "Persoonlijke ontwikkeling", "en": "Personal development"},
}
"""Labels from docs TAXONOMY.md §1, so the site shows the same words as the labelling guide."""

EXPORT_COLUMNS: tuple[str, ...] = (
    "listing_id", "title", "description",
    "format", "format_label_fr", "format_label_nl", "format_label_en",
    "facilitator_type", "audience", "topics", "language", "organizer",
    "rhythm", "weekday", "week_of_month", "frequency", "start_time", "end_time",
    "start_date", "end_date", "session_count", "rrule", "next_occurrence", "timezone",
    "attendance", "street", "postcode", "city", "region_code", "region", "country",
    "latitude", "longitude", "online_url",
    "price_eur", "price_kind", "price_text",
    "phone", "email", "website", "entry",
    "source_count", "source_urls", "first_seen", "last_seen", "export_version",
)

NUMERIC_COLUMNS: tuple[str, ...] = (
    "weekday", "week_of_month", "session_count", "latitude", "longitude", "price_eur", "source_count",
)
"""Written as numbers, never formula-neutralised, empty when unknown."""

TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in EXPORT_COLUMNS if c not in NUMERIC_COLUMNS)

MARKUP_PATTERN = r"<[A-Za-z/!?]"
"""The start of an HTML/XML tag, comment or declaration: never allowed in an exported cell."""

_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _opt(**kw) -> pa.Field:
    return pa.Field(nullable=True, **kw)


class ExportListing(pa.DataFrameModel):
    """One publishable group, privacy-scrubbed, in the column order of `EXPORT_COLUMNS`."""

    listing_id: Series[str] = pa.Field(unique=True, str_matches=LISTING_ID_PATTERN)
    title: Series[str] = pa.Field(str_length={"min_value": 1})
    description: Series[str] = _opt()
    format: Series[str] = pa.Field(isin=EXPORTED_FORMATS)
    format_label_fr: Series[str] = pa.Field(isin=[v["fr"] for v in FORMAT_LABELS.values()])
    format_label_nl: Series[str] = pa.Field(isin=[v["nl"] for v in FORMAT_LABELS.values()])
    format_label_en: Series[str] = pa.Field(isin=[v["en"] for v in FORMAT_LABELS.values()])
    facilitator_type: Series[str] = pa.Field(isin=FACILITATOR_TYPES)
    audience: Series[str] = _opt(str_matches=slug_list_pattern(AUDIENCES))
    topics: Series[str] = _opt(str_matches=slug_list_pattern(TOPICS))
    language: Series[str] = _opt(isin=LANGUAGES)
    organizer: Series[str] = _opt()
    rhythm: Series[str] = pa.Field(isin=RHYTHMS)
    weekday: Series[pa.Int64] = _opt(ge=0, le=6)
    week_of_month: Series[pa.Int64] = _opt(isin=[1, 2, 3, 4, 5, -1])
    frequency: Series[str] = _opt(isin=FREQUENCIES)
    start_time: Series[str] = _opt(str_matches=_TIME)
    end_time: Series[str] = _opt(str_matches=_TIME)
    start_date: Series[str] = _opt(str_matches=_DATE)
    end_date: Series[str] = _opt(str_matches=_DATE)
    session_count: Series[pa.Int64] = _opt(ge=1, le=500)
    rrule: Series[str] = _opt()
    next_occurrence: Series[str] = _opt(str_matches=r"^\d{4}-\d{2}-\d{2}T")
    timezone: Series[str] = _opt()
    attendance: Series[str] = pa.Field(isin=ATTENDANCES)
    street: Series[str] = _opt()
    postcode: Series[str] = _opt()
    city: Series[str] = _opt()
    region_code: Series[str] = _opt(str_matches=r"^(BE|FR|CH|LU)-[A-Z0-9]{1,3}$")
    region: Series[str] = _opt()
    country: Series[str] = _opt(isin=COUNTRIES)
    latitude: Series[float] = _opt(ge=-90, le=90)
    longitude: Series[float] = _opt(ge=-180, le=180)
    online_url: Series[str] = _opt(str_matches=r"^https?://")
    price_eur: Series[float] = _opt(ge=0, le=10_000)
    price_kind: Series[str] = pa.Field(isin=PRICE_KINDS)
    price_text: Series[str] = _opt()
    phone: Series[str] = _opt(str_matches=r"^\+\d{6,15}$")
    email: Series[str] = _opt(str_matches=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: Series[str] = _opt(str_matches=r"^https?://")
    entry: Series[str] = pa.Field(isin=ENTRIES)
    source_count: Series[pa.Int64] = pa.Field(ge=1)
    source_urls: Series[str] = pa.Field(str_matches=r"^(https?|file)://\S+( (https?|file)://\S+)*$")
    first_seen: Series[str] = pa.Field(str_matches=_DATE)
    last_seen: Series[str] = pa.Field(str_matches=_DATE)
    export_version: Series[str] = pa.Field(eq=EXPORT_VERSION)

    class Config:
        coerce = True
        strict = True
        ordered = True

    @pa.dataframe_check(error="a text cell holds markup (<tag)")
    def no_markup(cls, df: DataFrame) -> pd.Series:
        """Cells are shown as text by the site; a surviving tag is either noise or an attack."""
        return ~_any_text_cell(df, MARKUP_PATTERN)

    @pa.dataframe_check(error="a text cell holds a line break or tab")
    def single_line_cells(cls, df: DataFrame) -> pd.Series:
        """One line per cell keeps naive importers (and `wc -l`) right."""
        return ~_any_text_cell(df, r"[\r\n\t]")


def _any_text_cell(df: pd.DataFrame, pattern: str) -> pd.Series:
    """Rows where some text cell matches `pattern`."""
    found = pd.Series(False, index=df.index)
    for column in (c for c in TEXT_COLUMNS if c in df.columns):
        found |= df[column].astype("str").str.contains(pattern, regex=True).fillna(False).astype(bool)
    return found
