"""What it costs: a EUR amount people can filter on, and what kind of price it is.

Only euros become `price_eur`; a price in Swiss francs keeps `price_kind` "fixed" with
`price_eur` null (no exchange rate is invented). Parsing runs once per distinct price text.
"""

from __future__ import annotations

import re

import pandas as pd

_FREE = re.compile(
    r"\bgratuit(?:e|s|es)?\b|\bgratis\b|\bfree\b(?!\s+to\b)|\bkosteloos\b|\bsans\s+frais\b|\baucuns?\s+frais\b"
    r"|\bpas\s+de\s+frais\b|\bgeen\s+kosten\b|\bkostenlos\b|\bno\s+(?:charge|fee)\b|\bentrée\s+libre\b|^\s*0(?:[.,]0+)?\s*(?:€|eur|euros?)?\s*$",
    re.IGNORECASE,
)
_FREE_IN_PROSE = re.compile(
    r"(?<!parking\s)(?<!stationnement\s)\bgratuit(?:e|s|es)?\b|(?<!parkeren\s)\bgratis\b|\bkosteloos\b|\bfree\s+(?:of\s+charge|entry|admission)\b|\bsans\s+frais\b"
    r"|\bgeen\s+kosten\b|\bparticipation\s+gratuite\b|(?:^|[.!;:]\s*)free(?=\s*(?:[.!;,]|$))|\bfree\s+for\b",
    re.IGNORECASE,
)
_SLIDING = re.compile(
    r"\b(?:participation|contribution)\s+(?:libre|consciente)|\bprix\s+(?:libre|conscient)|\bvrije?\s+bijdrage|\bvrijwillige\s+bijdrage"
    r"|\bpay\s+what\s+you\s+(?:can|want|wish)|\bsliding\s+scale|\bselon\s+(?:les\s+|vos\s+|ses\s+)?(?:revenus|moyens)"
    r"|\ben\s+fonction\s+(?:des|de\s+vos)\s+(?:revenus|moyens)|\bnaar\s+draagkracht|\bau\s+chapeau\b|\bdonation\b|\bby\s+donation"
    r"|\bdon\s+libre\b|\bà\s+votre\s+bon\s+cœur|\bfreie\s+spende",
    re.IGNORECASE,
)
_MEMBERSHIP = re.compile(
    r"\bcotisation|\blidgeld|\bmembership|\badhésion\b|\blidmaatschap|\bmember\s+fee|\bmitgliedsbeitrag", re.IGNORECASE
)
_NUMBER = r"\d{1,4}(?:[.,]\d{1,2})?"
_EUR = re.compile(
    rf"(?:€|\beur\b|\beuros?\b)\s*(?P<a>{_NUMBER})(?![\d])|(?<![\d.,])(?P<b>{_NUMBER})\s*(?:€|\beur\b|\beuros?\b|,-\s*€)",
    re.IGNORECASE,
)
_EUR_RANGE = re.compile(rf"(?<![\d.,])(?P<low>{_NUMBER})\s*(?:à|a|-|–|tot|to)\s*{_NUMBER}\s*(?:€|\beur\b|\beuros?\b)", re.IGNORECASE)
_CHF = re.compile(
    rf"\bchf\b|\bfr\.\s*{_NUMBER}|{_NUMBER}\s*(?:\.-|,-)?\s*(?:chf|francs?\s+suisses|sfr)\b", re.IGNORECASE
)
_BARE = re.compile(rf"^\s*(?:(?:prix|tarif|prijs|price|paf|p\.a\.f\.|kostprijs)\s*:?\s*)?(?P<n>{_NUMBER})\s*(?:\.-)?\s*$", re.IGNORECASE)
MAX_EUR = 10_000.0


def _amount(text: str) -> float:
    return float(text.replace(",", "."))


def parse_price(text: str | None, *, prose: bool = False, swiss: bool = False) -> tuple[float | None, str]:
    """(price in EUR or None, price kind) a text states; never raises.

    `prose` is for descriptions, where only unambiguous cues count ("free to join" is not a
    price); `swiss` reads a bare number as francs rather than euros.
    """
    if not isinstance(text, str) or not text.strip():
        return None, "unknown"
    amounts = [_amount(m.group("a") or m.group("b")) for m in _EUR.finditer(text)]
    amounts += [_amount(m.group("low")) for m in _EUR_RANGE.finditer(text)]
    amounts = [a for a in amounts if 0 <= a <= MAX_EUR]
    francs = bool(_CHF.search(text))
    bare = None if prose else _BARE.match(text)
    if bare and not amounts and not francs:
        if swiss:
            francs = True
        else:
            amounts = [_amount(bare.group("n"))] if _amount(bare.group("n")) <= MAX_EUR else []
    if amounts and min(amounts) > 0 and (_FREE_IN_PROSE if prose else _FREE).search(text):
        amounts.append(0.0)  # "5 €, gratuit pour les étudiants": the lowest price stated is free
    lowest = min(amounts) if amounts else None
    if _MEMBERSHIP.search(text):
        return lowest, "membership"
    if _SLIDING.search(text):
        return lowest, "sliding"
    if lowest is not None and (lowest > 0 or len(amounts) > 1):
        return lowest, "fixed"
    if francs and not (prose and not re.search(r"\d", text)):
        return None, "fixed"
    if (_FREE_IN_PROSE if prose else _FREE).search(text) or lowest == 0:
        return 0.0, "free"
    return None, "unknown"


def _parsed_column(texts: pd.Series, **options: bool) -> pd.DataFrame:
    """`parse_price` of each distinct text, as columns `price_eur` and `price_kind`."""
    mapping = {value: parse_price(value, **options) for value in pd.unique(texts.dropna())}
    pairs = [mapping.get(v, (None, "unknown")) if isinstance(v, str) else (None, "unknown") for v in texts]
    return pd.DataFrame(pairs, index=texts.index, columns=["price_eur", "price_kind"])


def listing_prices(price_text: pd.Series, description: pd.Series, country: pd.Series) -> pd.DataFrame:
    """`price_eur`, `price_kind` and `price_eur_origin`: the price text first, else the description."""
    text = price_text.astype("str")
    swiss = country.eq("CH").fillna(False).astype(bool)
    own = _parsed_column(text.where(~swiss)).where(~swiss, _parsed_column(text.where(swiss), swiss=True), axis=0)
    unknown = own["price_kind"].eq("unknown")
    prose = _parsed_column(description.astype("str").where(unknown).str.slice(0, 3000), prose=True)
    chosen = own.where(~(unknown & prose["price_kind"].ne("unknown")), prose, axis=0)
    price = pd.to_numeric(chosen["price_eur"], errors="coerce").astype("float64")
    origin = pd.Series("parsed", index=text.index, dtype="str").where(price.notna(), "unknown")
    return pd.DataFrame({"price_eur": price, "price_kind": chosen["price_kind"].astype("str"), "price_eur_origin": origin})
