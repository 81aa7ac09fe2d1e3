"""Each signal and the score on hand-made pairs (plain features, no database)."""
from __future__ import annotations

import datetime as dt

from adam.overlap.config import DEFAULT_CONFIG, LABEL_DUPLICATE, LABEL_POSSIBLE, OverlapConfig
from adam.overlap.engine import find_all_overlaps, find_overlaps
from adam.overlap.features import ProjectFeatures
from adam.overlap.signals import dates_overlap, score_pair

D = dt.date


def feat(pid, title="Container profiling training for customs officers", **kw) -> ProjectFeatures:
    base = dict(id=pid, title=title, starts_on=D(2024, 1, 1), ends_on=D(2024, 12, 31),
                countries=frozenset({1}), places=frozenset({1}), funders=frozenset({100}),
                implementers=frozenset({200}), pillars=frozenset({1}), activity_type="training")
    base.update(kw)
    if "countries" in kw and "places" not in kw:
        base["places"] = kw["countries"]
    return ProjectFeatures(**base)


def names(result):
    return {s.name: s.points for s in result.signals}


def test_identical_projects_are_a_likely_duplicate_with_every_signal_explained():
    a, b = feat(1, institutions=frozenset({7})), feat(2, institutions=frozenset({7}))
    r = score_pair(a, b, 1.0, 0.0)
    assert r.label == LABEL_DUPLICATE
    got = names(r)
    for signal in ("shared_country", "time_overlap", "shared_pillar", "shared_institution", "same_activity_type",
                   "same_donor", "same_implementer", "title_similarity"):
        assert got[signal] > 0, signal
    assert r.score == min(100, sum(got.values()))
    assert all(s.explanation for s in r.signals)


def test_time_overlap_points_follow_the_share_of_the_shorter_project():
    a = feat(1, starts_on=D(2024, 1, 1), ends_on=D(2024, 12, 31))
    half = feat(2, starts_on=D(2024, 7, 1), ends_on=D(2025, 12, 31))
    full = feat(3, starts_on=D(2023, 1, 1), ends_on=D(2026, 12, 31))
    full_points = DEFAULT_CONFIG.points["time_overlap"]
    assert names(score_pair(a, half, 0, 0))["time_overlap"] == round(full_points / 2)
    assert names(score_pair(a, full, 0, 0))["time_overlap"] == full_points


def test_half_open_ranges_touching_end_to_start_do_not_overlap():
    a = feat(1, starts_on=D(2024, 1, 1), ends_on=D(2024, 6, 30))
    b = feat(2, starts_on=D(2024, 7, 1), ends_on=D(2024, 12, 31))
    c = feat(3, starts_on=D(2024, 6, 30), ends_on=None)  # open end: ongoing
    assert not dates_overlap(a, b)
    assert dates_overlap(a, c) and dates_overlap(b, c)


def test_undated_projects_are_placed_by_status_and_recorded_year():
    ongoing = feat(1, starts_on=None, ends_on=None, status="ongoing", recorded_on=D(2020, 5, 1))
    closed = feat(2, starts_on=None, ends_on=None, status="completed", recorded_on=D(2020, 5, 1))
    later = feat(3, starts_on=D(2023, 1, 1), ends_on=D(2023, 12, 31))
    assert dates_overlap(ongoing, later)
    assert not dates_overlap(closed, later)


def test_different_subjects_places_and_words_score_nothing_worth_flagging():
    a = feat(1)
    b = feat(2, title="Methadone treatment in prisons", countries=frozenset({2}), funders=frozenset({101}),
             implementers=frozenset({201}), pillars=frozenset({4}), activity_type="advisory")
    assert find_overlaps(a, [b]) == []


def test_partner_chain_links_a_donor_record_to_its_implementer_record():
    donor_record = feat(1, title="Ebola response Liberia", owner=100, funders=frozenset({100}),
                        implementers=frozenset({200}))
    implementer_record = feat(2, title="Emergency health response", owner=200, funders=frozenset({100}),
                              implementers=frozenset({200}))
    r = score_pair(donor_record, implementer_record, 0.0, 0.0)
    assert "partner_chain" in names(r)
    one_way = feat(3, title="Emergency health response", owner=300, funders=frozenset({100}),
                   implementers=frozenset({300}))
    assert "partner_one_way" in names(score_pair(donor_record, one_way, 0.0, 0.0))
    same_owner = feat(4, owner=100)
    assert not {"partner_chain", "partner_one_way"} & set(names(score_pair(donor_record, same_owner, 0.0, 0.0)))


def test_wide_scope_pairs_need_more_evidence():
    local = feat(1, institutions=frozenset())
    global_ = feat(2, countries=frozenset(), places=frozenset(), wide=True)
    r_wide = score_pair(local, global_, 0.45, 0.0)
    r_local = score_pair(local, feat(3), 0.45, 0.0)
    assert r_local.label is not None
    assert r_wide.score < r_local.score
    cfg = OverlapConfig(wide_scope_extra=0)
    assert score_pair(local, global_, 0.45, 0.0, cfg).label is not None or r_wide.score < cfg.possible_threshold


def test_stated_link_is_always_flagged_even_across_places_and_times():
    a = feat(1, iati_identifier="XM-1", related=frozenset({"GB-2"}))
    b = feat(2, title="Something else entirely", iati_identifier="GB-2", countries=frozenset({9}),
             starts_on=D(2010, 1, 1), ends_on=D(2010, 12, 31), funders=frozenset(), implementers=frozenset())
    results = find_overlaps(a, [b])
    assert len(results) == 1 and "stated_link" in names(results[0][1])


def test_text_is_compared_across_stated_languages_by_default_and_within_one_when_configured():
    # Real IATI files tag English titles "nl" or "fr": the tag must not hide an identical title.
    a = feat(1, language="en", funders=frozenset(), implementers=frozenset())
    b = feat(2, language="fr", funders=frozenset(), implementers=frozenset())
    assert names(score_pair(a, b, 1.0, 1.0))["title_similarity"] == 35
    strict = OverlapConfig(text_across_languages=False)
    assert "title_similarity" not in names(score_pair(a, b, 1.0, 1.0, strict))
    assert "title_similarity" in names(score_pair(a, feat(3, language="en"), 1.0, 1.0, strict))


def test_same_publisher_discounts_iati_records_of_one_organisation_with_different_identifiers():
    a = feat(1, owner=5, iati_identifier="XM-DAC-7-A1")
    b = feat(2, owner=5, iati_identifier="XM-DAC-7-A2")
    got = names(score_pair(a, b, 1.0, 0.0))
    assert got["same_publisher"] == -45 and "same_registrant" not in got
    # records typed into ADAM by one organisation (no IATI identifiers) keep the milder discount
    manual = names(score_pair(feat(1, owner=5), feat(2, owner=5), 1.0, 0.0))
    assert manual["same_registrant"] == -25 and "same_publisher" not in manual
    # different publishers: no discount at all
    other = names(score_pair(a, feat(2, owner=6, iati_identifier="XM-DAC-8-B"), 1.0, 0.0))
    assert "same_publisher" not in other and "same_registrant" not in other
    off = DEFAULT_CONFIG.with_points(same_publisher=0.0)
    assert names(score_pair(a, b, 1.0, 0.0, off))["same_registrant"] == -25


def test_partner_amount_needs_the_same_amount_and_a_partner_link():
    # the donor's record (owner 100) names the implementer 200, which registered the other record
    donor = feat(1, owner=100, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_440_280.0)
    implementer = feat(2, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_440_280.34)
    got = names(score_pair(donor, implementer, 0.0, 0.0))
    assert got["partner_amount"] == 15 and got["similar_budget"] == 4 and got["partner_chain"] == 25
    # 5% apart: similar, not the same amount
    assert "partner_amount" not in names(score_pair(donor, feat(2, owner=200, budget_usd=3_268_266.0), 0.0, 0.0))
    # the same amount without a partner link says little (round sums are common)
    stranger = feat(2, owner=300, funders=frozenset({400}), implementers=frozenset({500}), budget_usd=3_440_280.0)
    got = names(score_pair(donor, stranger, 0.0, 0.0))
    assert "partner_amount" not in got and got["similar_budget"] == 4


def test_similar_budgets_and_shared_sectors_count():
    a = feat(1, budget_usd=100_000.0, sectors=frozenset({"12264"}))
    b = feat(2, budget_usd=95_000.0, sectors=frozenset({"12264", "72010"}))
    got = names(score_pair(a, b, 0, 0))
    assert got["similar_budget"] > 0 and got["shared_sector"] > 0


def test_full_report_ranks_the_duplicate_above_the_overlap_and_skips_noise():
    dup_a = feat(1, title="Container profiling training for customs officers in Dushanbe")
    dup_b = feat(2, title="Training in container profiling for customs officers, Dushanbe",
                 funders=frozenset({100}), implementers=frozenset({200}))
    overlap = feat(3, title="Border management equipment for customs", funders=frozenset({101}),
                   implementers=frozenset({200}), activity_type="equipment")
    other_place = feat(4, countries=frozenset({2}))
    flagged, scored = find_all_overlaps([dup_a, dup_b, overlap, other_place])
    keys = [p.key for p in flagged]
    assert keys[0] == (1, 2)
    assert flagged[0].result.label == LABEL_DUPLICATE
    assert all(4 not in k for k in keys)
    assert scored >= len(flagged)
    assert all(p.result.label in (LABEL_POSSIBLE, LABEL_DUPLICATE) for p in flagged)


def test_weights_that_would_make_blocking_lossy_are_refused():
    import pytest

    cfg = DEFAULT_CONFIG.with_points(shared_country=40)
    with pytest.raises(ValueError, match="blocking"):
        find_all_overlaps([feat(1), feat(2)], cfg)


def test_organisation_key_reads_spelling_variants_and_a_spelled_out_acronym_as_one():
    from adam.overlap.features import organisation_key

    iom = {organisation_key(n) for n in ("International Organization for Migration (IOM)",
                                         "International Organisation for Migration",
                                         "INTERNATIONAL ORGANIZATION FOR MIGRATION")}
    assert len(iom) == 1
    assert organisation_key("World Vision International (WVI)") == organisation_key("World Vision International")
    # a parenthesis that is not the initials of the name stays: Concern Worldwide (UK) is another organisation
    assert organisation_key("Concern Worldwide (UK)") != organisation_key("Concern Worldwide")
    assert organisation_key("Ministry of Health (Kenya)") != organisation_key("Ministry of Health")


def test_organisation_key_drops_a_descriptive_tagline_but_not_a_unit_an_office_or_a_place():
    from adam.overlap.features import organisation_key

    # Real spellings of make eval's data: the Dutch MFA's grant to Terre des hommes, WHO's accounts.
    tdh = {organisation_key(n) for n in ("Terre des hommes - Helping children worldwide - Foundation",
                                         "Terre des hommes - Aide à l'enfance dans le monde - Fondation",
                                         "Terre des Hommes")}
    assert len(tdh) == 1
    assert organisation_key("World Health Organisation - core voluntary contributions account") == \
        organisation_key("World Health Organization")
    apart = [("United Nations - Food and Agriculture Organization",
              "United Nations - Pan American Health Organization"),
             ("World Bank - Global Partnership for Education", "World Bank"),  # a unit, in title case
             ("Cooperazione Internazionale - COOPI", "Cooperazione Internazionale"),  # an acronym
             ("UN Women - empowerment of women", "UN Women"),  # too short to tell
             ("Save the Children - donor country office", "Save the Children"),  # an office
             ("Ministerio de Salud - la república de Guinea", "Ministerio de Salud - la república de Malí"),  # places
             ("Ministry of Health - the people of Sierra Leone", "Ministry of Health - the people of Liberia"),
             ("Ministry of Health - the people of Timor-Leste", "Ministry of Health")]  # a hyphenated country
    for a, b in apart:
        assert organisation_key(a) != organisation_key(b), (a, b)


def test_vectorised_scores_equal_the_worded_ones_for_the_new_signals():
    import itertools

    import numpy as np

    from adam.overlap.candidates import Corpus
    from adam.overlap.vector import vector_scores

    projects = [
        feat(1, owner=100, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=1_000_000.0,
             iati_identifier="XM-A-1", language="en"),
        feat(2, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=1_004_000.0,
             iati_identifier="XM-B-1", language="nl"),
        feat(3, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=900_000.0,
             iati_identifier="XM-B-2", language="fr"),
        feat(4, owner=200, budget_usd=1_000_000.0),  # typed into ADAM: same_registrant, not same_publisher
        feat(5, owner=300, funders=frozenset({400}), implementers=frozenset({500}), budget_usd=1_000_000.0),
        # a country programme titled with the name of 200, and a wide-scope record with the same amount as 1
        feat(6, title="Customs Agency of Tajikistan", owner=600, title_organisation=200, funders=frozenset({100}),
             implementers=frozenset({200, 600})),
        feat(7, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=1_000_000.0,
             countries=frozenset(), places=frozenset(), wide=True, iati_identifier="XM-B-3"),
        # titles that name other countries (Liberia, Guinea), and one that names Guinea among others
        feat(8, title="Ebola crisis response", owner=700, title_countries=frozenset({10})),
        feat(9, title="Ebola crisis response", owner=800, title_countries=frozenset({11})),
        feat(10, title="Ebola crisis response", owner=900, title_countries=frozenset({11, 12})),
    ]
    for cfg in (DEFAULT_CONFIG, OverlapConfig(text_across_languages=False), OverlapConfig(amount_pins_place=False)):
        corpus = Corpus.build(projects, cfg)
        pairs = np.array(list(itertools.combinations(range(len(projects)), 2)), dtype=np.int64)
        t, x = corpus.cosines(pairs[:, 0], pairs[:, 1])
        scores, thresholds = vector_scores(corpus, pairs[:, 0], pairs[:, 1], t, x, cfg)
        seen = set()
        for (i, j), s, th, tc, xc in zip(pairs.tolist(), scores.tolist(), thresholds.tolist(), t.tolist(), x.tolist()):
            expected = score_pair(projects[i], projects[j], tc, xc, cfg)
            assert s == expected.score, (i, j, names(expected))
            assert (s >= th) == (expected.label is not None)
            seen |= set(names(expected))
        assert {"partner_amount", "same_grant_terms", "same_publisher", "same_registrant",
                "titles_name_other_countries"} <= seen


def test_title_naming_an_organisation_the_other_names_counts_with_a_partner_link():
    # a grant registered by 300 and carried out by 500; the record of 500's own country programme, registered by
    # 600, whose title is 500's name and which names 300 as a donor
    grant = feat(1, title="COVID emergency response", owner=300, funders=frozenset({400}),
                 implementers=frozenset({300, 500}))
    programme = feat(2, title="World Vision Afghanistan", owner=600, title_organisation=500,
                     funders=frozenset({300}), implementers=frozenset({500, 600}))
    r = score_pair(grant, programme, 0.0, 0.0, names={500: "World Vision Afghanistan"})
    got = names(r)
    assert got["title_organisation"] == 10 and "partner_one_way" in got
    assert any("World Vision Afghanistan" in str(s.explanation) for s in r.signals if s.name == "title_organisation")
    # the same title without a partner link between the two records: no evidence of its own
    stranger = feat(3, title="COVID emergency response", owner=700, funders=frozenset({400}),
                    implementers=frozenset({500}))
    assert "title_organisation" not in names(score_pair(stranger, programme, 0.0, 0.0))
    # a title that names no organisation the other names
    other = feat(4, title="World Vision Somalia", owner=600, title_organisation=501, funders=frozenset({300}),
                 implementers=frozenset({501, 600}))
    assert "title_organisation" not in names(score_pair(grant, other, 0.0, 0.0))
    # configurable: no points, no signal
    off = DEFAULT_CONFIG.with_points(title_organisation=0.0)
    assert "title_organisation" not in names(score_pair(grant, programme, 0.0, 0.0, off))


def test_the_same_grant_amount_between_partners_pins_a_wide_scope_pair_to_the_normal_threshold():
    # the donor's record names no country (wide scope) and no implementer by a known name; the implementer's record
    # names one country and the donor: one names the organisation that registered the other
    donor = feat(1, title="Screening for Ebola at points of entry", owner=100, funders=frozenset({100}),
                 implementers=frozenset({900}), countries=frozenset(), places=frozenset(), wide=True,
                 budget_usd=1_750_000.0)
    implementer = feat(2, title="Rapid response fund for humanitarian emergencies", owner=200,
                       funders=frozenset({100}), implementers=frozenset({200}), budget_usd=1_749_999.48,
                       ends_on=D(2024, 11, 30))  # not the same end day: same_grant_terms stays out of it
    cfg = DEFAULT_CONFIG
    r = score_pair(donor, implementer, 0.45, 0.0, cfg)
    assert "partner_amount" in names(r) and "partner_one_way" in names(r) and r.wide_scope
    assert cfg.possible_threshold <= r.score < cfg.possible_threshold + cfg.wide_scope_extra
    assert r.label is not None
    # another amount: the wide-scope pair needs the extra points and is not flagged
    other_amount = feat(2, title=implementer.title, owner=200, funders=frozenset({100}),
                        implementers=frozenset({200}), budget_usd=1_500_000.0)
    r2 = score_pair(donor, other_amount, 0.45, 0.0, cfg)
    assert cfg.possible_threshold <= r2.score < cfg.possible_threshold + cfg.wide_scope_extra and r2.label is None
    # configurable
    assert score_pair(donor, implementer, 0.45, 0.0, OverlapConfig(amount_pins_place=False)).label is None


def test_text_is_compared_without_case_or_accents_in_every_script():
    from adam.overlap.text import normalise_text

    assert normalise_text("Türkiye") == normalise_text("TURKIYE") == "turkiye"
    assert normalise_text("Việt Nam café naïve") == "viet nam cafe naive"
    assert normalise_text("Ёлка Й") == "елка и"  # Cyrillic combining breve and diaeresis removed as well
    assert normalise_text("Ελλάδα") == "ελλαδα"
    assert normalise_text("عَرَبِيّ") == "عربي"


def test_the_same_institution_on_the_same_theme_in_the_same_months_is_flagged_whatever_the_wording():
    """Two donors' K9 projects for one border guard in overlapping months, worded apart, no donor in common."""
    import numpy as np

    from adam.overlap.candidates import Corpus
    from adam.overlap.vector import vector_scores

    k9 = dict(institutions=frozenset({7}), themes=frozenset({3}), activity_type=None, implementers=frozenset())
    a = feat(1, title="Canine unit development for Bulgaria", funders=frozenset({100}),
             starts_on=D(2021, 4, 1), ends_on=D(2022, 1, 26), **k9)
    b = feat(2, title="K9 support to the Bulgarian border police", funders=frozenset({101}),
             starts_on=D(2021, 6, 1), ends_on=D(2022, 3, 31), **k9)
    r = score_pair(a, b, 0.0, 0.0)
    got = names(r)
    assert got["institution_theme_time"] == DEFAULT_CONFIG.points["institution_theme_time"]
    assert r.label == LABEL_POSSIBLE, got
    assert "same theme in the same months" in str(next(s for s in r.signals if s.name == "institution_theme_time").explanation)
    # the signal needs all three: the institution, a theme and dates that meet
    for other in (feat(3, **{**k9, "themes": frozenset({4})}), feat(4, **{**k9, "institutions": frozenset({8})}),
                  feat(5, **{**k9, "starts_on": D(2023, 1, 1), "ends_on": D(2023, 12, 31)})):
        assert "institution_theme_time" not in names(score_pair(a, other, 0.0, 0.0))
    without = score_pair(a, b, 0.0, 0.0, DEFAULT_CONFIG.with_points(institution_theme_time=0))
    assert without.label is None and without.score == r.score - DEFAULT_CONFIG.points["institution_theme_time"]
    # the vectorised scorer of the report and of the save-time check agrees, and the report flags the pair
    projects = [a, b, feat(3, **{**k9, "themes": frozenset({4})})]
    corpus = Corpus.build(projects, DEFAULT_CONFIG)
    i, j = np.array([0, 0, 1]), np.array([1, 2, 2])
    t, x = corpus.cosines(i, j)
    scores, _ = vector_scores(corpus, i, j, t, x)
    assert scores.tolist() == [score_pair(projects[p], projects[q], tc, xc).score
                               for p, q, tc, xc in zip(i, j, t.tolist(), x.tolist())]
    flagged, _ = find_all_overlaps(projects)
    assert [p.key for p in flagged] == [(1, 2)]


def test_the_same_grant_terms_between_partners_count_and_titles_naming_other_countries_count_against():
    from adam.overlap.features import countries_named

    donor = feat(1, owner=100, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_440_280.0)
    implementer = feat(2, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_440_280.34)
    assert names(score_pair(donor, implementer, 0.3, 0.0))["same_grant_terms"] == 10
    # a day apart, a hundredth of the amount apart, or no partner link: not the same grant's terms
    for other in (feat(2, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_440_280.0,
                       starts_on=D(2024, 1, 2)),
                  feat(2, owner=200, funders=frozenset({100}), implementers=frozenset({200}), budget_usd=3_406_000.0),
                  feat(2, owner=300, funders=frozenset({300}), implementers=frozenset({300}), budget_usd=3_440_280.0)):
        assert "same_grant_terms" not in names(score_pair(donor, other, 0.3, 0.0))

    liberia, guinea = countries_named("Ebola Crisis Response Liberia"), countries_named("Ebola crisis response GUINEA")
    assert liberia and guinea and not liberia & guinea
    assert guinea < countries_named("Ebola response in Guinea-Bissau and Papua New Guinea")  # names within names
    assert countries_named("South Sudan: COVID-19") & countries_named("Sudan COVID-19 response")
    assert countries_named("Côte d'Ivoire") == countries_named("COTE D IVOIRE") != frozenset()
    assert countries_named("Réunion de coordination régionale") == countries_named("Regional response") == frozenset()
    a = feat(1, title="Ebola Crisis Response Liberia", owner=100, title_countries=liberia)
    b = feat(2, title="Ebola Crisis Response Guinea", owner=200, title_countries=guinea)
    got = names(score_pair(a, b, 0.8, 0.0))
    assert got["titles_name_other_countries"] == -25
    # one title naming no country, or both naming the same: no discount
    assert "titles_name_other_countries" not in names(score_pair(a, feat(2, owner=200), 0.8, 0.0))
    assert "titles_name_other_countries" not in names(
        score_pair(a, feat(2, owner=200, title_countries=liberia | guinea), 0.8, 0.0))


def test_evidence_names_are_equal_only_with_the_same_organisations_themes_and_pillars():
    from adam.overlap.signals import EvidenceNames

    names = EvidenceNames({1: "UNODC"}, themes={2: "Border control"}, pillars={3: "Regional initiatives"})
    assert names == EvidenceNames({1: "UNODC"}, themes={2: "Border control"}, pillars={3: "Regional initiatives"})
    assert names != EvidenceNames({1: "UNODC"}, themes={2: "Container control"}, pillars={3: "Regional initiatives"})
    assert names != {1: "UNODC"}  # a plain dict of organisations names no subjects
    assert EvidenceNames() != None and EvidenceNames() != []  # noqa: E711
    assert EvidenceNames({1: "UNODC"}) == {1: "UNODC"}
