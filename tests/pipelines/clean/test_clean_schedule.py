"""Schedule: the hard phrasings of fr/nl/en association sites, structured feeds, next occurrence."""

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.schedule import (
    built_rrule,
    listing_schedules,
    local_parts,
    next_occurrence,
    parse_schedule_text,
    rrule_facts,
)

TODAY = dt.date(2026, 12, 1)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@pytest.mark.parametrize(
    ("text", "weekday", "weeks", "frequency", "start", "end"),
    [
        ("tous les 1ers mardis du mois de 19h30 à 21h", 1, (1,), "monthly", "19:30", "21:00"),
        ("chaque 3e jeudi, 19 h 30", 3, (3,), "monthly", "19:30", None),
        ("elke tweede donderdag van 20u tot 22u", 3, (2,), "monthly", "20:00", "22:00"),
        ("every last Friday, 6:30-8pm", 4, (-1,), "monthly", "18:30", "20:00"),
        ("le dernier vendredi du mois à 20h", 4, (-1,), "monthly", "20:00", None),
        ("les 2e et 4e mardis à 20h", 1, (2, 4), "monthly", "20:00", None),
        ("Le 1er et le 3e lundi de chaque mois", 0, (1, 3), "monthly", None, None),
        ("un mardi sur deux de 14 à 16h", 1, (), "biweekly", "14:00", "16:00"),
        ("om de twee weken op woensdag, 14u", 2, (), "biweekly", "14:00", None),
        ("every other week on Wednesday 10.00 – 12.00", 2, (), "biweekly", "10:00", "12:00"),
        ("every other Saturday 10am-noon", 5, (), "biweekly", "10:00", "12:00"),
        ("le mercredi de 14 à 16h", 2, (), "weekly", "14:00", "16:00"),
        ("chaque jeudi, 18h-20h", 3, (), "weekly", "18:00", "20:00"),
        ("van 19 tot 21 uur op maandag", 0, (), "weekly", "19:00", "21:00"),
        ("iedere maandag 19u30-21u30", 0, (), "weekly", "19:30", "21:30"),
        ("Tuesdays 7pm to 8:30pm", 1, (), "weekly", "19:00", "20:30"),
        ("Every first Monday of the month, 7-9pm", 0, (1,), "monthly", "19:00", "21:00"),
        ("Every second Thursday of the month at 7.30pm", 3, (2,), "monthly", "19:30", None),
        ("Elke laatste vrijdag van de maand om 19.30 uur", 4, (-1,), "monthly", "19:30", None),
        ("3de dinsdag, 19.30 u.", 1, (3,), "monthly", "19:30", None),
        ("chaque lundi, 18.30 h - 20.00 h", 0, (), "weekly", "18:30", "20:00"),
        ("Once a month on a Sunday afternoon", 6, (), "monthly", None, None),
    ],
)
def test_recurring_phrasings(text, weekday, weeks, frequency, start, end):
    facts = parse_schedule_text(text, TODAY)
    assert (facts.weekday, facts.weeks_of_month, facts.frequency, facts.start_time, facts.end_time) == (
        weekday, weeks, frequency, start, end)


@pytest.mark.parametrize(
    ("text", "start_date", "end_date", "weekday", "start"),
    [
        ("le 12 mars 2027 à 19h", "2027-03-12", None, 4, "19:00"),
        ("12/03/2027, 20u30", "2027-03-12", None, 4, "20:30"),
        ("zaterdag 5 december van 10 tot 16 uur", "2026-12-05", None, 5, "10:00"),
        ("March 20, 2027 from 9:30am to 12:30pm", "2027-03-20", None, 5, "09:30"),
        ("week-end résidentiel du 9 au 11 avril 2027", "2027-04-09", "2027-04-11", 4, None),
        ("van vrijdag 14 tot zondag 16 mei 2027", "2027-05-14", "2027-05-16", 4, None),
    ],
)
def test_dates(text, start_date, end_date, weekday, start):
    facts = parse_schedule_text(text, TODAY)
    assert (facts.start_date, facts.end_date, facts.weekday, facts.start_time) == (start_date, end_date, weekday, start)


@pytest.mark.parametrize(
    ("text", "count", "multi_day"),
    [
        ("cycle de 8 séances le mardi à 19h", 8, False),
        ("8 sessions, Tuesdays 7pm", 8, False),
        ("reeks van 6 bijeenkomsten op dinsdagavond", 6, False),
        ("Cycle de 4 séances, les mardis 2, 9, 16 et 23 mars 2027", 4, False),
        ("du vendredi 18h au dimanche 16h", None, True),
        ("Van vrijdag 19u tot zondag 15u, residentieel", None, True),
        ("un week-end résidentiel", None, True),
        ("toutes les 2 semaines le lundi", None, False),
    ],
)
def test_session_counts_and_multi_day(text, count, multi_day):
    facts = parse_schedule_text(text, TODAY)
    assert (facts.session_count, facts.multi_day) == (count, multi_day)


@pytest.mark.parametrize(
    ("text", "start"),
    [("séance de 2h, à partir de 19h", "19:00"), ("Durée : 1h30. Rendez-vous à 18h", "18:00"),
     ("Tél 0470/12.34.56", None), ("Prix : 7.50 €", None), ("Sunday afternoon", None)],
)
def test_durations_phones_and_prices_are_not_clock_times(text, start):
    assert parse_schedule_text(text, TODAY).start_time == start


@pytest.mark.parametrize(
    ("rule", "weekday", "week", "frequency", "count"),
    [("FREQ=WEEKLY;BYDAY=TU", 1, None, "weekly", None), ("FREQ=MONTHLY;BYDAY=1TU", 1, 1, "monthly", None),
     ("RRULE:FREQ=MONTHLY;BYDAY=-1FR", 4, -1, "monthly", None), ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", 2, None, "biweekly", None),
     ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=3", 3, 3, "monthly", None), ("FREQ=WEEKLY;COUNT=8;BYDAY=MO", 0, None, "weekly", 8)],
)
def test_rrule_facts(rule, weekday, week, frequency, count):
    facts = rrule_facts(rule)
    assert (facts.weekday, facts.week_of_month, facts.frequency, facts.session_count) == (weekday, week, frequency, count)


@pytest.mark.parametrize(
    ("frequency", "weekday", "weeks", "count", "rule"),
    [("monthly", 1, (1,), None, "FREQ=MONTHLY;BYDAY=1TU"), ("monthly", 1, (2, 4), None, "FREQ=MONTHLY;BYDAY=2TU,4TU"),
     ("biweekly", 2, (), None, "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"), ("weekly", 0, (), 8, "FREQ=WEEKLY;BYDAY=MO;COUNT=8"),
     ("monthly", 4, (), None, None), ("weekly", None, (), None, None)],
)
def test_built_rrule(frequency, weekday, weeks, count, rule):
    assert built_rrule(frequency, weekday, weeks, count) == rule


@pytest.mark.parametrize(
    ("rule", "start_date", "start_time", "exdates", "expected"),
    [
        ("FREQ=MONTHLY;BYDAY=1TU", None, "19:30", None, "2026-12-01T19:30:00+01:00"),
        ("FREQ=MONTHLY;BYDAY=-1FR", None, "20:00", None, "2026-12-25T20:00:00+01:00"),
        ("FREQ=WEEKLY;BYDAY=TU", None, "19:30", "2026-12-01", "2026-12-08T19:30:00+01:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "2026-11-25", "14:00", None, "2026-12-09T14:00:00+01:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", None, "14:00", None, None),  # which week? not invented
        (None, "2027-03-12", "19:00", None, "2027-03-12T19:00:00+01:00"),
        (None, "2026-03-12", "19:00", None, None),  # past single session
        ("FREQ=WEEKLY;BYDAY=TU", None, None, None, None),  # no clock time, no made-up hour
        ("FREQ=WEEKLY;BYDAY=MO", "2027-07-05", "10:00", None, "2027-07-05T10:00:00+02:00"),  # summer offset
    ],
)
def test_next_occurrence(rule, start_date, start_time, exdates, expected):
    assert next_occurrence(rule, start_date, start_time, "Europe/Brussels", exdates, TODAY) == expected


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [("2027-02-11T18:30:00Z", "Europe/Paris", ("2027-02-11", "19:30")), ("2027-02-11", "Europe/Paris", ("2027-02-11", None)),
     ("19:30", "Europe/Brussels", (None, "19:30")), ("7:05", "Europe/Brussels", (None, "07:05")),
     ("not a date", "Europe/Brussels", (None, None)), (None, "Europe/Brussels", (None, None))],
)
def test_local_parts(value, zone, expected):
    assert local_parts(value, zone) == expected


def _frame(**columns):
    base = {c: [None] for c in ("title", "description", "schedule_text", "start", "end", "rrule", "exdates", "occurrences")}
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base, dtype="str")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (dict(title="Groupe", schedule_text="tous les 1ers mardis du mois de 19h30 à 21h"),
         dict(rhythm="recurring", rrule="FREQ=MONTHLY;BYDAY=1TU", weekday_origin="parsed", next_occurrence="2026-12-01T19:30:00+01:00")),
        (dict(title="AA", start="19:30", end="20:30", rrule="FREQ=WEEKLY;BYDAY=TU", schedule_text="le mardi de 20h à 21h"),
         dict(rhythm="recurring", start_time="19:30", end_time="20:30", weekday_origin="structured", rrule_origin="structured")),
        (dict(title="Retraite", start="2027-04-16", end="2027-04-18"), dict(rhythm="multi_day", start_date="2027-04-16", end_date="2027-04-18")),
        (dict(title="Atelier", description="Cycle de 8 séances le mardi à 19h"), dict(rhythm="short_cycle", rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8")),
        (dict(title="Alzheimer café", start="2027-01-20T14:00:00+01:00",
              occurrences="2026-11-18T14:00:00+01:00;2027-01-20T14:00:00+01:00;2027-02-17T14:00:00+01:00"),
         dict(rhythm="recurring", next_occurrence="2027-01-20T14:00:00+01:00")),
        (dict(title="Conférence", schedule_text="le 12 mars 2027 à 19h"), dict(rhythm="single_session", start_date_origin="parsed")),
        (dict(title="Groupe", rrule="FREQ=NONSENSE;;"), dict(rhythm="unknown", rrule_origin="unknown")),
    ],
)
def test_listing_schedules(columns, expected):
    out = listing_schedules(_frame(**columns), pd.Series(["Europe/Brussels"]), TODAY).iloc[0]
    for key, value in expected.items():
        assert out[key] == value, key


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.sampled_from(["tous les 1ers mardis 19h30", "every 5th Sunday 25:99", "31/02/2027 à 24h",
                                                 "du 30 au 2 mars", "99 séances", "le 0e lundi"]))
def test_parse_schedule_text_never_raises_and_stays_valid(text):
    facts = parse_schedule_text(text, TODAY)
    assert facts.weekday is None or 0 <= facts.weekday <= 6
    assert all(w in (1, 2, 3, 4, 5, -1) for w in facts.weeks_of_month)
    assert facts.frequency in (None, "weekly", "biweekly", "monthly")
    for clock in (facts.start_time, facts.end_time):
        assert clock is None or HHMM.match(clock)
    for day in (facts.start_date, facts.end_date):
        assert day is None or dt.date.fromisoformat(day)
    assert facts.session_count is None or 1 <= facts.session_count <= 500
