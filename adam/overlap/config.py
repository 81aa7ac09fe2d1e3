"""Weights and thresholds of the overlap score, in one place (override any of them with OverlapConfig(...))."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

LABEL_POSSIBLE = "possible overlap"
LABEL_DUPLICATE = "likely duplicate"


@dataclass(frozen=True)
class OverlapConfig:
    # Points each signal may give at most; the score is their sum, capped at 100.
    points: dict[str, float] = field(default_factory=lambda: {
        "stated_link": 60.0,      # the records themselves say they are linked (IATI related-activity and the like)
        "shared_country": 10.0,   # a recipient country in common
        "place_via_region": 5.0,  # one covers a region (or the world) that holds the other's country
        "time_overlap": 10.0,     # months of overlap as a share of the shorter project
        "shared_pillar": 4.0,
        "shared_theme": 4.0,
        "shared_sector": 3.0,     # DAC sector codes (real IATI data rarely maps to the pillars)
        "shared_institution": 15.0,
        "same_activity_type": 5.0,
        "same_donor": 10.0,
        "same_implementer": 10.0,
        "partner_chain": 12.0,    # one's donor or owner implements or funds the other: funder and implementer records
        "title_similarity": 30.0,
        "text_similarity": 12.0,  # summaries and descriptions
        "similar_budget": 3.0,
    })
    # Organisation signals together give at most this much (same donor + same implementer + chain overlap a lot).
    organisation_cap: float = 22.0
    # Text below this cosine is no evidence at all: it gives no points and does not make a pair a candidate.
    text_floor: float = 0.2
    # Cosine (or fuzzy ratio / 100) from which a text signal gives its full points.
    text_full: float = 0.8
    # Score from which a pair is flagged, and from which it is called a likely duplicate.
    possible_threshold: int = 40
    duplicate_threshold: int = 70
    # Wide-scope pairs (one side names no country, or a global region) must score this much more to be flagged.
    wide_scope_extra: int = 15
    # Budgets within this ratio of each other count as similar.
    budget_ratio: float = 0.8
    # Projects with no dates at all: how many years a completed or cancelled one is taken to have lasted.
    undated_years: int = 1

    def with_points(self, **points: float) -> "OverlapConfig":
        merged = dict(self.points)
        merged.update(points)
        return replace(self, points=merged)

    def max_without_evidence(self) -> float:
        """Most a pair can score with no text, organisation, institution or stated-link evidence.

        Candidate generation drops such pairs, which is lossless only while this stays under the threshold.
        """
        p = self.points
        return (p["shared_country"] + p["time_overlap"] + p["shared_pillar"] + p["shared_theme"]
                + p["shared_sector"] + p["same_activity_type"] + p["similar_budget"])


DEFAULT_CONFIG = OverlapConfig()
