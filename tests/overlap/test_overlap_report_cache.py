"""A report from the register index takes again the pairs the last report computed while the register did not change
(adam.overlap.report: the very same features, names and weights), and computes them again after any change; the
filters, the donor scoping and the decisions are applied on every report. On both databases."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update

from adam.admin.operations import save_organisation
from adam.models import Project
from adam.overlap import report as report_module
from adam.overlap.decisions import decide
from adam.overlap.features import load_features
from adam.overlap.index import _engine, forget, register_snapshot
from adam.overlap.report import FROM_INDEX, LOADED, REUSED, ReportFilters, clear_report_cache, run_report
from adam.projects.operations import withdraw_project
from tests.factories import make_project, make_user, organisation
from tests.helpers import login
from tests.overlap.test_overlap_warm_report import (TITLE, cold_report, delete_project_sql, other_process, outcome,
                                                    register)


@pytest.fixture(autouse=True)
def no_report_cache():
    clear_report_cache()
    yield
    clear_report_cache()


@pytest.fixture
def computed(monkeypatch) -> list[int]:
    """Counts the calls of find_all_overlaps made by reports (the real one runs)."""
    calls = [0]
    real = report_module.find_all_overlaps

    def counting(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(report_module, "find_all_overlaps", counting)
    return calls


def report(session, **filters):
    return run_report(session, ReportFilters(**{"decided": "all", **filters}), keep_index=True)


def pair_of(a, b) -> tuple[int, int]:
    return (min(a.id, b.id), max(a.id, b.id))


def test_a_report_keeps_the_index_and_the_next_one_takes_its_pairs_again(session, monkeypatch, computed):
    register(session)
    forget(_engine(session))
    assert run_report(session, ReportFilters(decided="all")).source == LOADED  # a one-shot report keeps nothing
    assert register_snapshot(session) is None
    assert computed[0] == 1
    first = report(session)
    assert first.source == FROM_INDEX and computed[0] == 2
    assert register_snapshot(session) is not None  # kept for the next reports and checks
    second = report(session)
    assert second.source == REUSED and computed[0] == 2
    assert outcome(second) == outcome(first)
    assert [(p.key, p.score, p.label) for p in second.pairs] == [(p.key, p.score, p.label) for p in first.pairs]
    assert outcome(second) == outcome(cold_report(session, monkeypatch))


def test_other_weights_are_computed_again(session, computed):
    register(session)
    report(session)
    strict = report_module.DEFAULT_CONFIG.with_points(title_similarity=45.0, same_registrant=0.0)
    assert run_report(session, ReportFilters(decided="all"), strict, keep_index=True).source == FROM_INDEX
    assert computed[0] == 2
    assert report(session).source == FROM_INDEX and computed[0] == 3  # the last computation is the one kept


def created(session, p):
    make_project(session, TITLE, donors=("France",), start=dt.date(2024, 1, 15))


def title_edited(session, p):
    p["d"].title = TITLE
    session.flush()


def dates_edited(session, p):
    p["regional"].planned_start_on = dt.date(2025, 6, 1)
    p["regional"].planned_end_on = dt.date(2026, 6, 1)
    session.flush()


def deleted(session, p):
    session.delete(p["b"])
    session.flush()


def withdrawn(session, p):
    withdraw_project(session, p["b"], None, "entered twice")


def organisation_renamed(session, p):
    partners = organisation(session, "Tajik Border Partners Foundation")
    save_organisation(session, partners, name="Tajik Border Partnership Foundation", acronym="TBPF", type="ngo",
                      country_id=None, iati_identifier=None, aliases_text="Tajik Border Partners Foundation",
                      active=True)


def edited_by_another_process(session, p, database_url):
    with other_process(session, database_url) as conn:
        conn.execute(update(Project).where(Project.id == p["d"].id)
                     .values(title="Mobile forensic laboratory for drug control",
                             updated_at=dt.datetime.now(dt.timezone.utc)))


def deleted_by_another_process(session, p, database_url):
    with other_process(session, database_url) as conn:
        delete_project_sql(conn, p["b"].id)


BY_ANOTHER_PROCESS = (edited_by_another_process, deleted_by_another_process)


def apply(change, session, p, database_url) -> None:
    if change in BY_ANOTHER_PROCESS:
        change(session, p, database_url)
    else:
        change(session, p)


@pytest.mark.parametrize("change", [created, title_edited, dates_edited, deleted, withdrawn, organisation_renamed,
                                    *BY_ANOTHER_PROCESS])
def test_any_change_is_computed_again(session, database_url, monkeypatch, computed, change):
    p = register(session)
    before = report(session)
    assert report(session).source == REUSED and computed[0] == 1
    apply(change, session, p, database_url)
    after = report(session)
    assert after.source == FROM_INDEX and computed[0] == 2
    assert outcome(after) != outcome(before)
    clear_report_cache()
    cold = report(session)
    assert cold.source == FROM_INDEX and computed[0] == 3
    assert outcome(after) == outcome(cold) == outcome(cold_report(session, monkeypatch))
    assert [(p.key, p.score, p.label) for p in after.pairs] == [(p.key, p.score, p.label) for p in cold.pairs]


def test_a_decision_shows_at_once_without_computing_again(session, computed):
    p = register(session)
    user = make_user(session, role="coordinator")
    undecided = run_report(session, ReportFilters(), keep_index=True)
    key = pair_of(p["c"], p["d"])
    assert key in {pair.key for pair in undecided.pairs}
    features = load_features(session, [p["c"].id, p["d"].id])
    decide(session, features[p["c"].id], features[p["d"].id], "unrelated", "different agencies", user)
    session.flush()
    after = run_report(session, ReportFilters(), keep_index=True)
    assert after.source == REUSED and computed[0] == 1
    assert key not in {pair.key for pair in after.pairs}
    assert {pair.key for pair in after.pairs} == {pair.key for pair in undecided.pairs} - {key}
    decided = run_report(session, ReportFilters(decided="decided"), keep_index=True)
    assert decided.source == REUSED and [pair.key for pair in decided.pairs] == [key]
    assert decided.pairs[0].state == "decided" and computed[0] == 1


def test_donor_scoping_applies_to_the_pairs_taken_again(session, monkeypatch, computed):
    p = register(session)
    everything = report(session)
    assert pair_of(p["a"], p["b"]) in {pair.key for pair in everything.pairs}
    germany = organisation(session, "Germany").id
    scoped = report(session, organisation_id=germany)
    assert scoped.source == REUSED and computed[0] == 1
    keys = {pair.key for pair in scoped.pairs}
    assert pair_of(p["c"], p["d"]) in keys and pair_of(p["a"], p["b"]) not in keys
    assert all(germany in pair.a.organisations or germany in pair.b.organisations for pair in scoped.pairs)
    assert len(keys) < len(everything.pairs)
    with monkeypatch.context() as m:
        m.setattr(report_module, "register_snapshot", lambda _session: None)
        cold = run_report(session, ReportFilters(decided="all", organisation_id=germany))
    assert cold.source == LOADED and outcome(scoped) == outcome(cold)
    nobody = report(session, organisation_id=-1)
    assert nobody.source == REUSED and nobody.pairs == []


def test_the_web_page_computes_once_while_the_register_does_not_change(client, session, computed):
    p = register(session)
    coordinator = make_user(session, role="coordinator")
    session.commit()
    forget(_engine(session))
    login(client, coordinator)
    first = client.get("/overlaps/")
    assert first.status_code == 200 and computed[0] == 1
    second = client.get("/overlaps/")
    assert second.status_code == 200 and computed[0] == 1
    shown = first.get_data(as_text=True).count("Record decision")
    assert second.get_data(as_text=True).count("Record decision") == shown > 1
    response = client.post("/overlaps/decide", data={"project_a": p["c"].id, "project_b": p["d"].id,
                                                      "decision": "unrelated"})
    assert response.status_code == 302
    page = client.get("/overlaps/").get_data(as_text=True)
    assert computed[0] == 1
    assert page.count("Record decision") == shown - 1


@pytest.mark.parametrize("change", [created, title_edited, dates_edited, withdrawn, organisation_renamed,
                                    *BY_ANOTHER_PROCESS])
def test_after_a_change_the_next_reports_take_the_new_pairs_again(session, database_url, monkeypatch, computed,
                                                                   change):
    """The index keeps the features it reloaded for the projects changed since its build until they change again
    (RegisterIndex.patch), so the reports after a change are computed once, not each time."""
    p = register(session)
    report(session)
    apply(change, session, p, database_url)
    after = report(session)
    assert after.source == FROM_INDEX and computed[0] == 2
    again = report(session)
    assert again.source == REUSED and computed[0] == 2
    assert outcome(again) == outcome(after) == outcome(cold_report(session, monkeypatch))
    title_edited(session, p)  # and a further change is computed again
    assert report(session).source == FROM_INDEX and computed[0] == 4


@pytest.fixture
def corpora_built(monkeypatch) -> list[int]:
    """Counts the corpora the engine builds itself (Corpus.build called by find_all_overlaps)."""
    from adam.overlap import engine
    from adam.overlap.candidates import Corpus

    built = [0]
    real = Corpus.build.__func__

    class Counting(Corpus):
        @classmethod
        def build(cls, *args, **kwargs):
            built[0] += 1
            return real(Corpus, *args, **kwargs)

    monkeypatch.setattr(engine, "Corpus", Counting)
    return built


def test_a_report_right_after_the_index_is_built_takes_its_vectors(session, monkeypatch, corpora_built):
    """While no project changed since the index was built, the report's features are the index's very rows: it
    takes the index's corpus (index.built_corpus) instead of building the same one, with the same outcome; after a
    change it builds its own (the words' weights depend on every project)."""
    p = register(session)
    forget(_engine(session))
    first = report(session)  # keep_index: the index is built, then its vectors serve the report
    assert first.source == FROM_INDEX and corpora_built[0] == 0
    assert outcome(first) == outcome(cold_report(session, monkeypatch))
    assert corpora_built[0] == 1  # the loaded report built its own
    lenient = report_module.DEFAULT_CONFIG.with_points(title_similarity=45.0)
    assert run_report(session, ReportFilters(decided="all"), lenient, keep_index=True).source == FROM_INDEX
    assert corpora_built[0] == 1  # other weights, the same vectors
    undated = dataclasses.replace(report_module.DEFAULT_CONFIG, undated_years=3)
    assert run_report(session, ReportFilters(decided="all"), undated, keep_index=True).source == FROM_INDEX
    assert corpora_built[0] == 2  # another reading of undated projects: other intervals
    title_edited(session, p)
    clear_report_cache()
    after = report(session)
    assert after.source == FROM_INDEX and corpora_built[0] == 3
    assert outcome(after) == outcome(cold_report(session, monkeypatch))


def test_the_engine_refuses_a_corpus_of_other_features(session):
    from adam.overlap.candidates import Corpus
    from adam.overlap.engine import find_all_overlaps
    from adam.overlap.report import register_features

    register(session)
    features, names = register_features(session)
    corpus = Corpus.build(features)
    with pytest.raises(ValueError, match="not that of these features"):
        find_all_overlaps(features[1:], names=names, corpus=corpus)
    with pytest.raises(ValueError, match="not that of these features"):
        find_all_overlaps(list(reversed(features)), names=names, corpus=corpus)
    given = find_all_overlaps(features, names=names, corpus=corpus)
    built = find_all_overlaps(features, names=names)
    assert [(p.key, p.score, p.label) for p in given[0]] == [(p.key, p.score, p.label) for p in built[0]]
    assert given[1] == built[1] > 0


def test_the_index_lists_the_projects_by_id_whatever_order_the_database_gives(session, monkeypatch,
                                                                               corpora_built):
    """PostgreSQL may return the register in any order (a parallel scan interleaves its workers' rows): the index
    lists the projects by id, as a report does, so that the report right after the build takes its vectors."""
    from adam.overlap import index as index_module

    register(session)
    real = index_module.load_features

    def shuffled(session, ids=None, regions=None, include_withdrawn=False):
        loaded = real(session, ids, regions, include_withdrawn)
        return loaded if ids is not None else dict(reversed(list(loaded.items())))  # the whole register: reversed

    monkeypatch.setattr(index_module, "load_features", shuffled)
    forget(_engine(session))
    first = report(session)
    assert first.source == FROM_INDEX and corpora_built[0] == 0
    assert outcome(first) == outcome(cold_report(session, monkeypatch))
