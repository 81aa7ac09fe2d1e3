"""Free text through each database's own engine: ranked, accent- and case-blind, Cyrillic included."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from adam.search.filters import parse_filters
from adam.search.query import results
from tests.factories import make_project, organisation


def search(session, register, text: str) -> list[str]:
    filters, _ = parse_filters(MultiDict([("q", text)]))
    by_id = {p.id: name for name, p in register.items()}
    return [by_id.get(p.id, p.title) for p in results(session, filters)]


def test_russian_words_match_in_any_case(session, register):
    assert search(session, register, "наркомании") == ["russian"]
    assert search(session, register, "ПРОФИЛАКТИКА") == ["russian"]
    assert search(session, register, "психологов Бишкеке") == ["russian"]


def test_last_word_matches_as_a_prefix(session, register):
    assert search(session, register, "профилакт") == ["russian"]
    assert search(session, register, "precurs") == ["french"]


def test_french_accents_do_not_matter(session, register):
    assert search(session, register, "precurseurs") == ["french"]
    assert search(session, register, "CONTRÔLE précurseurs") == ["french"]
    assert search(session, register, "senegal") == ["french"]


def test_spanish_accents_do_not_matter(session, register):
    make_project(session, "Capacitación en investigación financiera para la Unidad de Análisis",
                 countries=("COL",), pillars=(2,), themes=("fiu",))
    session.commit()
    assert search(session, register, "capacitacion analisis") == [
        "Capacitación en investigación financiera para la Unidad de Análisis"]
    assert search(session, register, "INVESTIGACIÓN") == [
        "Capacitación en investigación financiera para la Unidad de Análisis"]


def test_institution_names_are_searchable_and_follow_renames(session, register):
    assert search(session, register, "drug control agency") == ["tjk_border"]
    dca = organisation(session, "Drug Control Agency of Tajikistan")
    dca.name = "Agence de contrôle des drogues"
    session.commit()
    assert search(session, register, "agence controle") == ["tjk_border"]
    assert search(session, register, "drug control agency") == []


def test_edits_reach_the_index(session, register):
    project = register["uzb_fiu"]
    project.description = "Includes a module on virtual assets and cryptocurrency tracing"
    session.commit()
    assert search(session, register, "cryptocurrency") == ["uzb_fiu"]
    session.delete(project)
    session.commit()
    assert search(session, register, "cryptocurrency") == []


def test_title_matches_rank_above_description_matches(session, register):
    make_project(session, "Regional workshop", description="A session on profiling of risky containers",
                 countries=("KAZ",))
    session.commit()
    ranked = search(session, register, "profiling")
    assert ranked[0] == "tjk_border"
    assert ranked[1] == "Regional workshop"


def test_operators_typed_by_users_are_plain_words(session, register):
    assert search(session, register, 'container" OR title:* NEAR(') == []
    assert search(session, register, "container & | ! :*") == ["tjk_border"]
    assert search(session, register, "   ") != []  # no words: no free-text filter


def test_russian_yo_and_ye_are_the_same_letter(session, register):
    # "молодёжи" is stored with ё; Russian text often writes е instead, and both engines must agree.
    assert search(session, register, "молодежи") == ["russian"]
    assert search(session, register, "МОЛОДЁЖИ") == ["russian"]
