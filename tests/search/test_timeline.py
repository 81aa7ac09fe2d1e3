"""Lane assignment: overlapping projects never share a lane, and lanes are reused when free."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from adam.search.timeline import Bar, assign_lanes


def bar(n: int, start: dt.date, end: dt.date) -> Bar:
    return Bar(project=SimpleNamespace(id=n), start=start, end=end, open_end=False)


def test_overlapping_bars_stack_and_a_free_lane_is_reused():
    d = dt.date
    a, b, c = bar(1, d(2024, 1, 1), d(2024, 6, 30)), bar(2, d(2024, 3, 1), d(2024, 12, 31)), bar(3, d(2024, 7, 1), d(2025, 1, 31))
    assign_lanes([a, b, c])
    assert (a.lane, b.lane, c.lane) == (0, 1, 0)  # c starts after a ends: back on the first lane


# The machine running the tests is shared: generation speed is not what this test is about.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 800)), min_size=1, max_size=40))
def test_no_two_bars_on_one_lane_overlap(spans):
    base = dt.date(2010, 1, 1)
    bars = [bar(i, base + dt.timedelta(days=s), base + dt.timedelta(days=s + length)) for i, (s, length) in enumerate(spans)]
    assign_lanes(bars)
    for x in bars:
        for y in bars:
            if x is not y and x.lane == y.lane:
                assert x.end < y.start or y.end < x.start
    # As few lanes as the deepest overlap needs (greedy interval partitioning is optimal).
    depth = max(sum(1 for b in bars if b.start <= day.start <= b.end) for day in bars)
    assert max(b.lane for b in bars) + 1 == depth
