"""Tonight's queue: how likely a style's render of a photo is to be kept.

Before the studio has judged enough renders, the chance comes from the style's own
statistics (its verdict: the artists' rules as numbers). Once it has at least
`MIN_EACH` kept and `MIN_EACH` rejected renders, a small logistic model on the style
statistics is fitted to this studio's own ratings, and its cross-validated AUC is reported
so the artist can see whether it has learned anything (0.5: nothing; 1: every keeper ranked
above every reject). Previews count as evidence: a rejected preview of the same photo and
style lowers that style's chance for that photo, a kept one raises it.

Plain data in, plain data out: the service gathers the ratings and statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stylecore.stats.measure import METRICS

#: Kept and rejected renders each needed before the studio's own model is fitted.
MIN_EACH = 20
#: Chance by verdict grade, before any rating (a neutral 0.4 for styles not measured yet).
PRIOR_BY_GRADE = {"good": 0.6, "fair": 0.4, "weak": 0.2, "busy": 0.25}
UNMEASURED = 0.4


@dataclass(frozen=True)
class Judged:
    """One judged render as evidence: its style's statistics and whether it was kept."""

    stats: dict[str, Any]
    kept: bool


@dataclass(frozen=True)
class Chance:
    """A style's predicted keeper chance for one photo, and the reason in a few words."""

    style: str
    chance: float
    reason: str


def features(stats: dict[str, Any]) -> list[float]:
    return [float(stats.get(metric, 0.0) or 0.0) for metric in METRICS]


class KeeperModel:
    """L2-regularised logistic regression on standardised style statistics."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, auc: float):
        self.mean, self.scale, self.weights, self.auc = mean, scale, weights, auc

    @classmethod
    def fit(cls, judged: Sequence[Judged], folds: int = 5) -> KeeperModel | None:
        """The studio's model, or None until it has MIN_EACH kept and MIN_EACH rejected."""
        kept = sum(j.kept for j in judged)
        if kept < MIN_EACH or len(judged) - kept < MIN_EACH:
            return None
        x = np.array([features(j.stats) for j in judged], dtype=np.float64)
        y = np.array([float(j.kept) for j in judged])
        order = np.random.default_rng(0).permutation(len(y))
        scores = np.zeros(len(y))
        for fold in range(folds):
            test = order[fold::folds]
            train = np.setdiff1d(order, test)
            mean, scale, weights = _train(x[train], y[train])
            scores[test] = _predict(x[test], mean, scale, weights)
        mean, scale, weights = _train(x, y)
        return cls(mean, scale, weights, auc(scores, y))

    def predict(self, stats: dict[str, Any]) -> float:
        return float(_predict(np.array([features(stats)]), self.mean, self.scale, self.weights)[0])


def _train(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, ...]:
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    weights = np.zeros(z.shape[1])
    for _ in range(500):  # gradient descent: a dozen features, a few hundred renders
        p = 1 / (1 + np.exp(-z @ weights))
        gradient = z.T @ (p - y) / len(y) + l2 * np.r_[weights[:-1], 0.0] / len(y)
        weights -= 0.5 * gradient
    return mean, scale, weights


def _predict(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, w: np.ndarray) -> np.ndarray:
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    return np.asarray(1 / (1 + np.exp(-z @ w)))


def auc(scores: np.ndarray, kept: np.ndarray) -> float:
    """Chance that a kept render scores above a rejected one (ties count half)."""
    good, bad = scores[kept > 0.5], scores[kept <= 0.5]
    if not len(good) or not len(bad):
        return 0.5
    wins = (good[:, None] > bad[None, :]).sum() + 0.5 * (good[:, None] == bad[None, :]).sum()
    return float(wins / (len(good) * len(bad)))


def prior(stats: dict[str, Any] | None) -> tuple[float, str]:
    """The chance the style's own statistics give, and the verdict that gave it."""
    if not stats:
        return UNMEASURED, "not measured yet"
    grade = str(stats.get("verdict_grade", "fair"))
    chance = PRIOR_BY_GRADE.get(grade, UNMEASURED)
    # Within a grade, more colour blocking ranks higher (it is what the rules reward most).
    chance += 0.2 * (float(stats.get("blocking", 0.0)) - 0.15)
    return min(0.95, max(0.05, chance)), f"{grade} style"


def rank(
    styles: dict[str, dict[str, Any] | None],
    model: KeeperModel | None,
    previews: dict[str, bool] | None = None,
) -> list[Chance]:
    """Styles (name -> statistics) by predicted keeper chance, best first. `previews`: for
    this photo, style name -> whether its preview was kept (True) or rejected (False)."""
    previews = previews or {}
    chances = []
    for name, stats in styles.items():
        if model is not None and stats:
            chance, reason = model.predict(stats), "this studio's ratings"
        else:
            chance, reason = prior(stats)
        if name in previews:
            if previews[name]:
                chance, reason = max(chance, 0.8), "its preview of this photo was kept"
            else:
                chance, reason = chance * 0.3, "its preview of this photo was rejected"
        chances.append(Chance(name, round(chance, 3), reason))
    chances.sort(key=lambda c: (-c.chance, c.style))
    return chances


def describe_model(model: KeeperModel | None, kept: int, rejected: int) -> str:
    """One line on what the chances are based on."""
    if model is None:
        return (
            f"chances from the style statistics ({kept} kept, {rejected} rejected so far; "
            f"this studio's own model needs {MIN_EACH} of each)"
        )
    verdict = "has learned little" if abs(model.auc - 0.5) < 0.1 else "ranks keepers"
    return (
        f"chances from this studio's ratings ({kept} kept, {rejected} rejected): "
        f"cross-validated AUC {model.auc:.2f}, {verdict}"
    )
