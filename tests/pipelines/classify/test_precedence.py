"""The labelling guide's precedence rules (TAXONOMY.md §1), in French, Dutch and English, on
frozen listings written for these tests (none of them is in the labelled set)."""

from __future__ import annotations

import pytest

from pipelines.classify import classify_listings
from pipelines.classify.rules import normalised_text

CASES = [
    # rule 4 before rule 5: a "groupe de parole" that is really a clinical group
    ("groupe de parole with a clinical frame -> therapy", "fr", "therapy_group", {
        "title": "Groupe de parole : troubles anxieux",
        "description": "Animé par un psychologue, ce groupe suit un programme de TCC en 10 séances pour traiter "
                       "l'anxiété sociale. Cycle fermé, entretien préalable obligatoire.",
        "facilitator_text": "Psychologue clinicien"}),
    ("praatgroep with a clinical frame -> therapy", "nl", "therapy_group", {
        "title": "Praatgroep angst",
        "description": "Eigenlijk een gesloten therapiegroep: cognitieve gedragstherapie in 10 sessies, na een "
                       "intakegesprek met de psycholoog."}),
    ("discussion group with a clinical frame -> therapy", "en", "therapy_group", {
        "title": "Discussion group: social anxiety",
        "description": "In fact a closed CBT group run by a clinical psychologist to treat social anxiety; "
                       "referral and intake interview required."}),
    # rule 5: a psychologist alone does not make a therapy group
    ("groupe de parole led by a psychologist, no clinical frame -> talking", "fr", "talking_group", {
        "title": "Groupe de parole pour personnes endeuillées",
        "description": "Un espace ouvert, sans inscription, pour partager autour du deuil. Une psychologue veille au cadre.",
        "facilitator_text": "Psychologue"}),
    ("praatgroep led by a psycholoog -> talking", "nl", "talking_group", {
        "title": "Praatgroep rouw", "description": "Vrije inloop, een psycholoog begeleidt het gesprek.",
        "facilitator_text": "Psycholoog"}),
    ("talking circle with a psychologist -> talking", "en", "talking_group", {
        "title": "Grief talking circle", "description": "Drop in any month; a psychologist hosts the circle.",
        "facilitator_text": "Psychologist"}),
    # rule 1: not a group for participants
    ("conference about grief -> out of scope", "fr", "out_of_scope", {
        "title": "Conférence : le deuil, parlons-en",
        "description": "Une conférence d'une psychologue sur le deuil, suivie d'un temps d'échange avec le public."}),
    ("lecture about grief -> out of scope", "nl", "out_of_scope", {
        "title": "Lezing over rouw", "description": "Een lezing door een rouwdeskundige, gevolgd door een praatgroep voor wie wil."}),
    ("talk followed by a sharing circle -> out of scope", "en", "out_of_scope", {
        "title": "Public talk: living with grief",
        "description": "A talk by a psychiatrist, followed by a short sharing circle for those who wish to stay."}),
    ("fundraiser for a support group -> out of scope", "fr", "out_of_scope", {
        "title": "Souper au profit de notre groupe de soutien",
        "description": "Les bénéfices financent le groupe de soutien des proches."}),
    ("benefit quiz -> out of scope", "nl", "out_of_scope", {
        "title": "Benefietquiz voor de zelfhulpgroep", "description": "De opbrengst gaat naar onze zelfhulpgroep."}),
    ("training for volunteers about support groups -> out of scope", "en", "out_of_scope", {
        "title": "Support group facilitator training",
        "description": "A two-day training for volunteers who want to run a peer support group."}),
    ("job offer -> out of scope", "fr", "out_of_scope", {
        "title": "Offre d'emploi : psychologue", "description": "Nous recrutons un·e psychologue. Envoyez votre CV."}),
    ("individual consultations -> out of scope", "nl", "out_of_scope", {
        "title": "Individuele begeleiding bij angst", "description": "Gesprekken met een psycholoog op afspraak. Geen groepsaanbod."}),
    # rule 2: residential and several days wins over any theme
    ("residential weekend -> retreat", "fr", "retreat", {
        "title": "Week-end résidentiel pour aidants",
        "description": "Deux jours et une nuit au gîte pour souffler entre aidants, pension complète."}),
    ("retreat with overnight stays -> retreat", "nl", "retreat", {
        "title": "Stilteweekend", "description": "Drie dagen stilte met overnachting en volpension."}),
    ("residential art therapy stay -> retreat", "en", "retreat", {
        "title": "Art therapy retreat",
        "description": "Five days of art therapy with a certified art therapist; accommodation and full board included.",
        "facilitator_text": "Certified art therapist"}),
    ("a one-day 'retreat' without accommodation is not a retreat", "fr", "workshop", {
        "title": "Retraite d'une journée : gérer son stress",
        "description": "Une journée, sans hébergement, pour apprendre des outils de gestion du stress."}),
    # rule 3: the creative medium is the method
    ("art therapy by a certified art therapist -> art therapy", "fr", "art_therapy_psychodrama", {
        "title": "Atelier d'art-thérapie",
        "description": "Peinture et argile pour exprimer ses émotions, en groupe.",
        "facilitator_text": "Art-thérapeute certifiée"}),
    ("creative therapy -> art therapy", "nl", "art_therapy_psychodrama", {
        "title": "Beeldende therapie in groep", "description": "Werken met klei en verf, begeleid door een creatief therapeut."}),
    ("psychodrama titled therapy group -> art therapy", "en", "art_therapy_psychodrama", {
        "title": "Psychodrama therapy group",
        "description": "A closed psychodrama group with a psychodramatist and a psychologist; assessment first."}),
    # rule 6 before rule 7: the topic is confidence even when titled "atelier"/"workshop"
    ("atelier confiance en soi -> personal development", "fr", "personal_development", {
        "title": "Atelier confiance en soi", "description": "Oser s'affirmer et prendre sa place, avec une coach."}),
    ("workshop zelfvertrouwen -> personal development", "nl", "personal_development", {
        "title": "Workshop zelfvertrouwen", "description": "Werken aan je zelfvertrouwen en assertief leren communiceren."}),
    ("assertiveness workshop -> personal development", "en", "personal_development", {
        "title": "Assertiveness workshop", "description": "Learn to set boundaries and say no."}),
    # rule 7: learning tools
    ("MBSR course -> workshop", "fr", "workshop", {
        "title": "Cycle MBSR", "description": "Huit semaines pour apprendre la pleine conscience et gérer le stress."}),
    ("psycho-education led by a psychologist, not therapy -> workshop", "nl", "workshop", {
        "title": "Psycho-educatie voor naasten",
        "description": "Drie avonden uitleg over depressie, begeleid door een psycholoog. Geen therapie."}),
    ("skills course led by a psychologist -> workshop", "en", "workshop", {
        "title": "Stress management workshop", "description": "Learn practical tools to handle stress, led by a psychologist."}),
    # rule 8: mutual support, even with a professional present
    ("groupe de soutien with a psychologist, no therapy -> support", "fr", "support_group", {
        "title": "Groupe de soutien pour proches de malades du cancer",
        "description": "Partager ce que l'on vit, animé par une psychologue, sans démarche thérapeutique."}),
    ("zelfhulpgroep -> support", "nl", "support_group", {
        "title": "Zelfhulpgroep depressie", "description": "Lotgenoten steunen elkaar, zonder therapie."}),
    ("12-step meeting -> support", "en", "support_group", {
        "title": "Alcoholics Anonymous open meeting", "description": "Sharing experience, strength and hope following the twelve steps."}),
]


@pytest.mark.parametrize(("name", "language", "expected", "fields"), CASES, ids=[c[0] for c in CASES])
def test_precedence_rule(make_frame, name, language, expected, fields):
    out = classify_listings(make_frame([{"language": language, **fields}]))
    row = out.iloc[0]
    assert row["format"] == expected, row["format_evidence"]
    assert row["format_evidence"]


def test_every_format_and_language_has_a_case():
    assert {(c[1], c[2]) for c in CASES} >= {(lang, f) for lang in ("fr", "nl", "en") for f in (
        "therapy_group", "talking_group", "out_of_scope", "retreat", "art_therapy_psychodrama",
        "personal_development", "workshop", "support_group")}


def test_precedence_is_explained_in_the_evidence(make_frame):
    out = classify_listings(make_frame([{"language": "fr", **CASES[0][3]}]))
    evidence = out.loc[0, "format_evidence"]
    assert evidence.startswith("rule 4 therapy_group") and "over rule 5 talking_group" in evidence
    assert "psycholog" in evidence and "tcc" in evidence


@pytest.mark.parametrize(("raw", "reads"), [
    ("Animé·e par un·e psychologue", "anime par un psychologue"),
    ("professionnel·le·s de la santé mentale", "professionnel de la sante mentale"),
    ("Thérapeute(s) certifié(e)s", "therapeute certifie"),
    ("Psychologue.s de l'équipe", "psychologue de l'equipe"),
    ("GROUPE DE PAROLE – DEUIL", "groupe de parole – deuil"),
    ("groupe de parol, psycologue", "groupe de parole, psychologue"),
    ("un groupe thérapeuthique", "un groupe therapeutique"),
    ("suport group", "support group"),
    ("Ce n'est pas une thérapie de groupe.", " non-therapie ."),
])
def test_normalisation_folds_spellings(raw, reads):
    assert normalised_text(raw) == reads
