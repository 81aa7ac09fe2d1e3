"""Weights and thresholds of the overlap score, in one place (override any of them with OverlapConfig(...))."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

LABEL_POSSIBLE = "possible overlap"
LABEL_DUPLICATE = "likely duplicate"


@dataclass(frozen=True)
class OverlapConfig:
    # Points each signal may give at most; the score is their sum, capped at 100.
    points: dict[str, float] = field(default_factory=lambda: {
        "stated_link": 60.0,       # the records themselves say they are linked (IATI related-activity and the like)
        "shared_country": 10.0,    # a recipient country in common
        "place_via_region": 4.0,   # one covers a region (or the world) that holds the other's country
        "time_overlap": 8.0,       # months of overlap as a share of the shorter project
        "same_start": 6.0,         # start dates within `date_tolerance_days`: one project entered twice
        "same_end": 4.0,
        "shared_pillar": 4.0,
        "shared_theme": 4.0,
        "shared_sector": 3.0,      # DAC sector codes (real IATI data rarely maps to the pillars)
        "same_activity_type": 4.0,
        "similar_budget": 4.0,
        # The same amount (within `same_amount_ratio`) and one record names the other's registering organisation:
        # a funder's grant and the implementer's record of it. Only with a partner link (which is evidence).
        "partner_amount": 15.0,
        "same_donor": 7.0,
        "same_implementer": 7.0,
        # On top of partner_amount: the very same start and end days as well, and the amount within
        # `identical_amount_ratio`: one grant as the funder and the implementer record it (on the real IATI data of
        # make eval, 8 linked pairs have it and 1 other pair among 1.3 million candidates). Only with a partner link.
        "same_grant_terms": 10.0,
        "partner_chain": 25.0,     # each record names the other's organisation: the donor's and the implementer's record
        "partner_one_way": 10.0,   # one record names the organisation that registered the other
        # One record's title is the name of an organisation the other names ("World Vision Afghanistan"): the
        # record of that organisation's own programme, which the other's grant is part of. Only with a partner
        # link (which is evidence), so candidate blocking stays lossless.
        "title_organisation": 10.0,
        "shared_institution": 25.0,
        # On top of shared_institution: the same beneficiary institution, a theme in common and dates that intersect.
        # One agency given assistance on one theme in the same months is the overlap ADAM exists to show ("the same
        # thing for the same agency in the same months"), whatever the wording: with the country, the theme and
        # most of the time overlap it reaches the threshold (25 + 20 + 10 + 4 + 6 = 65). A pillar alone is too
        # broad a subject for it (make eval, demo: precision 0.58 with "pillar or theme", 0.67 with a theme).
        "institution_theme_time": 20.0,
        "title_similarity": 35.0,
        "text_similarity": 12.0,   # summaries and descriptions
        # Negative: one organisation's own records that look alike are mostly its components (phases, outputs,
        # country lines of one programme), not one project entered twice. Set to 0 to treat them like others.
        "same_registrant": -25.0,
        # Stronger: both are IATI activities published by the same organisation under different identifiers. The
        # publisher itself states they are distinct activities (an identifier is unique per activity), so its
        # look-alike records are components, phases or country lines; replaces same_registrant for such pairs.
        "same_publisher": -45.0,
        # Negative: each title names a country and they name none in common ("Ebola Crisis Response Liberia",
        # "Ebola Crisis Response Guinea"): country lines of one programme, not one project (make eval: 3 flagged
        # pairs, none of the linked ones; 0 of the 64 linked candidate pairs have it).
        "titles_name_other_countries": -25.0,
    })
    # Start or end dates this close count as the same date.
    date_tolerance_days: int = 31
    # Text below this cosine is no evidence at all: it gives no points and does not make a pair a candidate.
    text_floor: float = 0.2
    # Cosine (or fuzzy ratio / 100) from which a text signal gives its full points.
    text_full: float = 0.8
    # Score from which a pair is flagged, and from which it is called a likely duplicate.
    possible_threshold: int = 65
    duplicate_threshold: int = 80
    # Wide-scope pairs (one side names no country, or a global region) must score this much more to be flagged.
    # 20 (was 15) since amount_pins_place: the wide-scope pairs a shared grant amount pins no longer need the extra,
    # and the others (a global programme and any record that shares words and partners) stay under 20 flagged
    # pairs per 1,000 projects on the real IATI benchmark (make eval).
    wide_scope_extra: int = 20
    # ... unless the pair has partner_amount: the same grant amount in the records of two organisations that name
    # each other ties the two records together wherever the programme says it works (a donor's record often
    # names no country).
    amount_pins_place: bool = True
    # Budgets within this ratio of each other count as similar; within same_amount_ratio as the same amount.
    budget_ratio: float = 0.8
    same_amount_ratio: float = 0.99
    identical_amount_ratio: float = 0.999  # same_grant_terms
    # Compare titles and texts whatever the languages the records state. Real IATI files often tag English text
    # with the publisher's language (nl, fr), and a TF-IDF cosine of two texts in different languages is low by
    # itself (only names, acronyms and numbers are shared), so the language tag need not gate the comparison.
    text_across_languages: bool = True
    # Projects with no dates at all: how many years a completed or cancelled one is taken to have lasted.
    undated_years: int = 1

    def with_points(self, **points: float) -> "OverlapConfig":
        merged = dict(self.points)
        merged.update(points)
        return replace(self, points=merged)

    def max_without_evidence(self) -> float:
        """Most a pair can score with no evidence (text, institution, partner chain, donor and implementer both).

        Candidate generation drops such pairs, which is lossless only while this stays under the threshold.
        """
        p = self.points
        return (p["shared_country"] + p["time_overlap"] + p["same_start"] + p["same_end"] + p["shared_pillar"]
                + p["shared_theme"] + p["shared_sector"] + p["same_activity_type"] + p["similar_budget"]
                + max(p["same_donor"], p["same_implementer"]))


DEFAULT_CONFIG = OverlapConfig()
