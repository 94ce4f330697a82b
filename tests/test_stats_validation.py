"""Every ordering of the validation set (tests/stats_validation.py) holds."""

from __future__ import annotations

import pytest

from stylecore.stats.measure import compute_stats

from .stats_validation import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_ordering(case: Case) -> None:
    a = compute_stats(case.a())[case.metric]
    b = compute_stats(case.b())[case.metric]
    assert b - a > case.margin, f"{case.name}: {case.metric} A={a:.4f} B={b:.4f}"
