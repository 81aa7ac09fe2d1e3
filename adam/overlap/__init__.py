"""Overlap detection: candidates, explainable signals and scores, the save-time check (plain Python, no Flask).

Contract with the project pages:
    check_project(session, project, *, limit=10) -> list[OverlapResult]
    after_project_saved(session, project, user, results, acknowledged) -> None
"""
from adam.overlap.check import OverlapResult, check_features, check_project
from adam.overlap.config import DEFAULT_CONFIG, LABEL_DUPLICATE, LABEL_POSSIBLE, OverlapConfig
from adam.overlap.engine import ScoredPair, find_all_overlaps, find_overlaps
from adam.overlap.features import ProjectFeatures
from adam.overlap.notify import after_project_saved
from adam.overlap.signals import OverlapSignal, PairScore

__all__ = [
    "DEFAULT_CONFIG", "LABEL_DUPLICATE", "LABEL_POSSIBLE", "OverlapConfig", "OverlapResult", "OverlapSignal",
    "PairScore", "ProjectFeatures", "ScoredPair", "after_project_saved", "check_features", "check_project",
    "find_all_overlaps", "find_overlaps",
]
