"""Overlap detection: candidates, explainable signals and scores (plain Python, no Flask)."""
from adam.overlap.config import DEFAULT_CONFIG, LABEL_DUPLICATE, LABEL_POSSIBLE, OverlapConfig
from adam.overlap.engine import ScoredPair, find_all_overlaps, find_overlaps
from adam.overlap.features import ProjectFeatures
from adam.overlap.signals import OverlapSignal, PairScore

__all__ = [
    "DEFAULT_CONFIG", "LABEL_DUPLICATE", "LABEL_POSSIBLE", "OverlapConfig", "OverlapSignal", "PairScore",
    "ProjectFeatures", "ScoredPair", "find_all_overlaps", "find_overlaps",
]
