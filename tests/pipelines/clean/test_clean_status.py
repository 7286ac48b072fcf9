"""Entry and status: cue tables per language, structured words first."""

import pandas as pd
import pytest

from pipelines.clean.status import entries, statuses


@pytest.mark.parametrize(
    ("categories", "text", "expected"),
    [
        (None, "Sans inscription, venez comme vous êtes.", ("open", "parsed")),
        (None, "Entrée libre", ("open", "parsed")),
        (None, "Vrije inloop", ("open", "parsed")),
        (None, "Drop-in, no need to book", ("open", "parsed")),
        (None, "Pas d'inscription nécessaire", ("open", "parsed")),
        (None, "Inscription obligatoire", ("registration", "parsed")),
        (None, "Sur inscription", ("registration", "parsed")),
        (None, "Inschrijven verplicht", ("registration", "parsed")),
        (None, "Registration required", ("registration", "parsed")),
        (None, "Groupe fermé après entretien préalable", ("closed", "parsed")),
        (None, "Accès sur indication médicale", ("closed", "parsed")),
        (None, "Closed group", ("closed", "parsed")),
        (None, "Gesloten groep na intakegesprek", ("closed", "parsed")),
        ("O;ONL", "Inscription obligatoire", ("open", "structured")),
        ("C", "", ("closed", "structured")),
        ("D;CAN", "Un groupe de parole", ("unknown", "unknown")),
    ],
)
def test_entries(categories, text, expected):
    value, origin = entries(pd.Series([categories], dtype="str"), pd.Series([text], dtype="str"))
    assert (value.iloc[0], origin.iloc[0]) == expected


@pytest.mark.parametrize(
    ("structured", "headline", "prose", "expected"),
    [
        ("EventCancelled", "Groupe", None, ("cancelled", "structured")),
        ("CANCELLED", "Groupe", None, ("cancelled", "structured")),
        ("https://schema.org/EventPostponed", "Groupe", None, ("postponed", "structured")),
        ("EventScheduled", "ANNULÉ – Groupe", None, ("cancelled", "parsed")),
        (None, "Groupe annulé", None, ("cancelled", "parsed")),
        (None, "GEANNULEERD: praatgroep", None, ("cancelled", "parsed")),
        (None, "Support group – cancelled", None, ("cancelled", "parsed")),
        (None, "REPORTÉ – Café deuil", None, ("postponed", "parsed")),
        (None, "Praatgroep uitgesteld", None, ("postponed", "parsed")),
        (None, "Groupe", "La séance de mars est reportée au 5 avril.", ("postponed", "parsed")),
        (None, "Groupe", "En cas d'annulation, merci de prévenir.", ("scheduled", "unknown")),
        (None, "Groupe", "Cancellation policy: 48 hours.", ("scheduled", "unknown")),
        ("CONFIRMED", "Groupe", None, ("scheduled", "structured")),
    ],
)
def test_statuses(structured, headline, prose, expected):
    value, origin = statuses(pd.Series([structured], dtype="str"), pd.Series([headline], dtype="str"), pd.Series([prose], dtype="str"))
    assert (value.iloc[0], origin.iloc[0]) == expected
