"""The matching set on a time axis, grouped by country or donor; overlapping projects go on separate lanes.

Lanes are assigned greedily by start date (interval partitioning), so two projects share a lane only
when one ends before the other starts: every overlap is visible as a stack.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from adam.messages import N_
from adam.search.filters import SearchFilters
from adam.search.query import ResultRow, result_ids, result_rows
from adam.textfold import fold

GROUPINGS = {"country": N_("Country"), "donor": N_("Donor")}
MAX_PROJECTS = 300


@dataclasses.dataclass
class Bar:
    project: ResultRow
    start: dt.date
    end: dt.date
    open_end: bool      # no end date: drawn to the end of the axis (ongoing)
    lane: int = 0


@dataclasses.dataclass
class Group:
    key: str
    label: str
    bars: list[Bar]

    @property
    def lanes(self) -> int:
        return max((b.lane for b in self.bars), default=-1) + 1


@dataclasses.dataclass
class Timeline:
    groups: list[Group]
    start: dt.date
    end: dt.date
    undated: int         # matching projects without a start date (cannot be placed)
    truncated: bool

    def year_marks(self) -> list[tuple[int, float]]:
        """Each year on the axis with the position of its 1 January."""
        return [(year, self.fraction(dt.date(year, 1, 1))) for year in range(self.start.year, self.end.year + 1)]

    def fraction(self, day: dt.date) -> float:
        """Position of a day on the axis, 0..1."""
        span = (self.end - self.start).days or 1
        return min(max((day - self.start).days / span, 0.0), 1.0)


def assign_lanes(bars: list[Bar]) -> None:
    lane_ends: list[dt.date] = []
    for bar in sorted(bars, key=lambda b: (b.start, b.end, b.project.id)):
        for index, lane_end in enumerate(lane_ends):
            if lane_end < bar.start:
                bar.lane, lane_ends[index] = index, bar.end
                break
        else:
            bar.lane = len(lane_ends)
            lane_ends.append(bar.end)


def build_timeline(session: Session, f: SearchFilters, group_by: str = "country",
                   today: dt.date | None = None, name: Callable[[str, str], str] | None = None) -> Timeline:
    """The timeline; its groups in the alphabetical order of name(key, label), the group's name as shown (in the
    interface language), by default its label."""
    today = today or dt.date.today()
    name = name or (lambda key, label: label)
    projects = result_rows(session, result_ids(session, f.replace(sort="start-asc"), limit=MAX_PROJECTS + 1))
    truncated = len(projects) > MAX_PROJECTS
    projects = projects[:MAX_PROJECTS]
    dated = [p for p in projects if p.starts_on]
    undated = len(projects) - len(dated)
    if not dated:
        return Timeline([], dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), undated, truncated)
    latest_end = max([p.ends_on or p.starts_on for p in dated] + [today])
    axis_start = dt.date(min(p.starts_on for p in dated).year, 1, 1)
    axis_end = dt.date(latest_end.year, 12, 31)

    groups: dict[str, Group] = {}
    for project in dated:
        if group_by == "donor":
            keys = [(str(o.id), o.acronym or o.name) for o in project.donors] or [("", N_("No donor recorded"))]
        else:
            keys = [(c.iso3, c.name) for c in project.countries] or \
                   [(f"region-{r.code}", r.name) for r in project.regions] or [("", N_("No country recorded"))]
        for key, label in dict.fromkeys(keys):
            group = groups.setdefault(key, Group(key, label, []))
            end = project.ends_on or axis_end
            group.bars.append(Bar(project, project.starts_on, max(end, project.starts_on), project.ends_on is None))
    for group in groups.values():
        assign_lanes(group.bars)
    ordered = sorted(groups.values(), key=lambda g: (g.key == "", fold(name(g.key, g.label))))
    return Timeline(ordered, axis_start, axis_end, undated, truncated)
