"""Ratings: the keeper rule, keeper rates per style, and which statistics separate keepers."""

from __future__ import annotations

import pytest

from curator.ratings import (
    KEEPER_STARS,
    LABELS,
    RatedRender,
    Rating,
    is_keeper,
    keeper_rates,
    metric_separation,
)
from stylecore.stats.measure import METRICS


def test_one_keeper_rule():
    assert KEEPER_STARS == 3
    assert is_keeper(3, "") and is_keeper(5, "") and is_keeper(0, "pick")
    assert not is_keeper(2, "") and not is_keeper(5, "reject") and not is_keeper(0, "")


def test_ratings_are_validated():
    assert Rating(5, "pick", "red").valid()
    assert not Rating(6).valid() and not Rating(flag="maybe").valid()
    assert not Rating(label="pink").valid() and "" in LABELS


def test_keeper_rates_and_metric_separation():
    renders = [
        RatedRender("a", 5), RatedRender("a", 4), RatedRender("a", 0, rejected=True),
        RatedRender("b", 1), RatedRender("b", 0, rejected=True), RatedRender("b", 0),
        RatedRender("c", 0, picked=True),
    ]  # fmt: skip
    rates = keeper_rates(renders)
    assert rates["a"] == {"judged": 3, "kept": 2, "rate": pytest.approx(2 / 3)}
    assert rates["b"]["rate"] == 0 and rates["b"]["judged"] == 2  # the unrated one does not count
    assert rates["c"]["rate"] == 1
    metrics = {m: 0.5 for m in METRICS}
    by_style = {
        "a": {**metrics, "blocking": 0.9, "noise": 0.1},
        "b": {**metrics, "blocking": 0.1, "noise": 0.8},
        "c": {**metrics, "blocking": 0.7, "noise": 0.2},
    }
    separation = metric_separation(renders, by_style)
    # kept: a, a, c; rejected: a, b. Blocking: a-vs-a ties twice, wins over b three times,
    # c loses to a: (2 * 0.5 + 3) / 6. Noise: the mirror image, 2 / 6.
    assert separation["blocking"]["auc"] == pytest.approx(4 / 6, abs=1e-4)
    assert separation["noise"]["auc"] == pytest.approx(2 / 6, abs=1e-4)
    assert separation["hue_spread"]["separation"] == 0
