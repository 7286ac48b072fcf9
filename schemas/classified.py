"""`ClassifiedListing`: a clean listing with its format, facets, confidence and evidence."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas.clean import ATTENDANCES, ENTRIES, RHYTHMS, CleanListing

FORMATS = (
    "therapy_group", "support_group", "talking_group", "workshop", "retreat",
    "art_therapy_psychodrama", "personal_development", "out_of_scope",
)
FACILITATOR_TYPES = (
    "mental_health_professional", "certified_creative_therapist", "coach", "peer",
    "association_volunteer", "unknown",
)
AUDIENCES = (
    "adults", "young_people", "children", "relatives", "parents", "seniors", "women", "men",
    "lgbtqia", "professionals",
)
TOPICS = (
    "anxiety", "depression", "trauma", "eating_disorders", "grief", "addiction", "chronic_illness",
    "mental_illness", "dementia", "burnout_stress", "parenting", "self_esteem", "relationships",
    "loneliness", "suicide", "neurodivergence", "violence", "migration_exile",
)
LIST_SEPARATOR = ";"
"""`audience` and `topics` are ';'-joined slugs (empty string when none), flat for CSV and DuckDB."""


def slug_list_pattern(allowed: tuple[str, ...]) -> str:
    """Regex for a ';'-joined list of allowed slugs (or the empty string)."""
    one = "(?:" + "|".join(allowed) + ")"
    return rf"^(?:{one}(?:{LIST_SEPARATOR}{one})*)?$"


class ClassifiedListing(CleanListing):
    format: Series[str] = pa.Field(isin=FORMATS)
    format_confidence: Series[float] = pa.Field(ge=0, le=1)
    format_evidence: Series[str]
    facilitator_type: Series[str] = pa.Field(isin=FACILITATOR_TYPES)
    attendance: Series[str] = pa.Field(isin=ATTENDANCES)
    entry: Series[str] = pa.Field(isin=ENTRIES)
    rhythm: Series[str] = pa.Field(isin=RHYTHMS)
    audience: Series[str] = pa.Field(str_matches=slug_list_pattern(AUDIENCES))
    topics: Series[str] = pa.Field(str_matches=slug_list_pattern(TOPICS))
    needs_review: Series[bool]
    classifier_version: Series[str]
