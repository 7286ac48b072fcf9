"""Whether people can just come (`entry`) and whether the session still takes place (`status`).

Structured words win (Meeting Guide type codes O/C, iCalendar STATUS, schema.org eventStatus);
otherwise cue tables per language, matched as vectorised regexes over the whole column.
"""

from __future__ import annotations

import pandas as pd

from pipelines.clean.text import matches

CLOSED = (
    r"\bgroupe\s+fermé|\bgroupes\s+fermés|\bentretien\s+(?:individuel\s+)?préalable|\bsur\s+indication|\bsur\s+orientation"
    r"|\bsur\s+prescription|\bclosed\s+(?:group|meeting)|\bgesloten\s+groep|\bintake\s*(?:gesprek|interview)"
    r"|\bna\s+(?:een\s+)?intake|\bnach\s+vorgespräch|\bgeschlossene\s+gruppe|\bréservé\s+aux\s+membres|\bmembers\s+only\b"
)
OPEN = (
    r"\bsans\s+inscription|\bpas\s+(?:besoin\s+)?d[’']inscription|\bpas\s+besoin\s+de\s+s[’']inscrire|\baucune\s+inscription"
    r"|\bentrée\s+libre|\baccès\s+libre|\bvrije\s+inloop|\bvrij\s+binnen(?:lopen|stappen)|\binloop(?:moment|uur)?\b"
    r"|\bzonder\s+(?:inschrijving|aanmelding)|\bgeen\s+(?:inschrijving|aanmelding)|\bdrop[-\s]?in\b|\bwalk[-\s]?in\b"
    r"|\b(?:inschrijven|aanmelden)\s+(?:is\s+)?niet\s+nodig|\bhoeft\s+(?:je|u)\s+niet\s+(?:in\s+te\s+schrijven|aan\s+te\s+melden)"
    r"|\bno\s+(?:registration|booking|sign[-\s]?up)|\bopen\s+meeting|\bjust\s+come\s+along|\bohne\s+anmeldung"
)
REGISTRATION = (
    r"\binscription\s+(?:obligatoire|requise|souhaitée|nécessaire|indispensable|préalable)|\bsur\s+inscription"
    r"|\b(?:merci\s+de\s+|veuillez\s+)?(?:vous\s+)?s[’']inscrire|\binscriptions?\s*:|\bréservation\s+(?:obligatoire|requise|souhaitée|nécessaire)"
    r"|\binschrijven\s+(?:verplicht|vereist|noodzakelijk|gewenst)|\binschrijving\s+(?:verplicht|vereist|noodzakelijk|gewenst)"
    r"|\baanmelden\s+(?:verplicht|vereist|via)|\baanmelding\s+(?:verplicht|vereist|gewenst)|\bvooraf\s+(?:inschrijven|aanmelden)"
    r"|\bregistration\s+(?:is\s+)?(?:required|needed|essential)|\bplease\s+register|\bbooking\s+(?:is\s+)?(?:required|essential)"
    r"|\bregister\s+(?:in\s+advance|beforehand|here|online)|\bsign\s+up\b|\banmeldung\s+erforderlich"
)
CANCELLED = (
    r"\bannul(?:é|ée|és|ées)\b|\bgeannuleerd\b|\bafgelast\b|\bcancell?ed\b|\babgesagt\b"
)
CANCELLED_IN_PROSE = (
    r"\b(?:est|sont|a\s+été|ont\s+été)\s+annul(?:é|ée|és|ées)\b|^\s*annul(?:é|ée|és|ées)\b|\b(?:is|wordt|werd)\s+(?:geannuleerd|afgelast)\b"
    r"|\b(?:is|has\s+been|have\s+been)\s+cancell?ed\b"
)
POSTPONED = r"\breport(?:é|ée|és|ées)\b|\buitgesteld\b|\bpostponed\b|\bverschoben\b"
POSTPONED_IN_PROSE = (
    r"\b(?:est|sont|a\s+été|ont\s+été)\s+report(?:é|ée|és|ées)\b|\b(?:is|wordt|werd)\s+uitgesteld\b|\b(?:is|has\s+been)\s+postponed\b"
)
_STATUS_WORDS = {
    "cancelled": "cancelled", "canceled": "cancelled", "eventcancelled": "cancelled",
    "postponed": "postponed", "eventpostponed": "postponed",
    "scheduled": "scheduled", "eventscheduled": "scheduled", "eventrescheduled": "scheduled", "eventmovedonline": "scheduled",
    "confirmed": "scheduled", "tentative": "scheduled", "publish": "scheduled", "active": "scheduled",
}


HINTS = {
    CLOSED: "fermé|préalable|indication|orientation|prescription|closed|gesloten|intake|vorgespräch|geschlossene|réservé|members",
    OPEN: "inscri|libre|inloop|binnen|zonder|geen|drop|walk|registration|booking|sign|open meeting|come along|ohne|nodig|hoeft",
    REGISTRATION: "inscri|réservation|inschrij|aanmeld|registr|register|booking|anmeldung|sign up",
    CANCELLED: "annul|geannul|afgelast|cancel|abgesagt",
    CANCELLED_IN_PROSE: "annul|geannul|afgelast|cancel",
    POSTPONED: "report|uitgesteld|postpon|verschoben",
    POSTPONED_IN_PROSE: "report|uitgesteld|postpon",
}
"""Keywords every match of a cue table contains: a fast vectorised pre-check (see `matches`)."""


def _contains(text: pd.Series, pattern: str) -> pd.Series:
    return matches(text, pattern, HINTS.get(pattern))


def _category_tokens(categories: pd.Series) -> pd.Series:
    """Upper-cased, ';'-separated category tokens wrapped in ';' for whole-token matching."""
    return ";" + categories.astype("str").str.upper().str.replace(r"\s*[;,|]\s*", ";", regex=True).fillna("") + ";"


def entries(categories: pd.Series, text: pd.Series | pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """open / registration / closed / unknown and origin; closed cues beat open ones, which beat registration."""
    tokens = _category_tokens(categories)
    structured = pd.Series(pd.NA, index=text.index, dtype="object")
    structured = structured.mask(tokens.str.contains(";O;", regex=False), "open").mask(tokens.str.contains(";C;", regex=False), "closed")
    body = text.astype("str").fillna("")
    parsed = pd.Series("unknown", index=text.index, dtype="object")
    parsed = parsed.mask(_contains(body, REGISTRATION), "registration")
    parsed = parsed.mask(_contains(body, OPEN), "open").mask(_contains(body, CLOSED), "closed")
    value = structured.where(structured.notna(), parsed)
    origin = pd.Series("structured", index=text.index, dtype="object").where(structured.notna(), "parsed")
    return value.astype("str"), origin.mask(value.eq("unknown"), "unknown").astype("str")


def statuses(event_status: pd.Series, headline: pd.Series, prose: pd.Series) -> tuple[pd.Series, pd.Series]:
    """scheduled / cancelled / postponed and origin; the headline (title, schedule) is read more eagerly than prose."""
    words = event_status.astype("str").str.strip().str.lower().str.replace(r"^https?://schema\.org/", "", regex=True)
    structured = words.map(_STATUS_WORDS)
    head = headline.astype("str").fillna("")
    body = prose.astype("str").fillna("").str.slice(0, 2000)
    parsed = pd.Series(pd.NA, index=head.index, dtype="object")
    parsed = parsed.mask(_contains(head, POSTPONED) | _contains(body, POSTPONED_IN_PROSE), "postponed")
    parsed = parsed.mask(_contains(head, CANCELLED) | _contains(body, CANCELLED_IN_PROSE), "cancelled")
    # A structured "scheduled" is the default of most feeds; an explicit cancellation in the text wins.
    defaulted = structured.isna() | (structured.eq("scheduled") & parsed.notna())
    value = structured.where(~defaulted, parsed).fillna("scheduled")
    origin = pd.Series("structured", index=head.index, dtype="object").where(~defaulted, "parsed")
    origin = origin.mask(defaulted & parsed.isna(), "unknown")
    return value.astype("str"), origin.astype("str")
