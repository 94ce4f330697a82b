"""Ratings, the studio's vocabulary for judging renders, and what the judgements say.

One place for what a rating can hold (stars, a flag, a colour label), for what counts as a
keeper, and for the analysis of which style statistics go with keepers. The catalog stores
ratings, the app and the CLI set them, export writes them to XMP, sheets draw them: all read
their names and colours from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stylecore.stats.measure import METRICS

FLAGS = ("", "pick", "reject")

#: Stars from which a render counts as a keeper (Lightroom's common "3 stars and up").
KEEPER_STARS = 3


@dataclass(frozen=True)
class Label:
    """A colour label: its name, its colour, and the name Lightroom, Bridge and digiKam use."""

    name: str
    rgb: tuple[int, int, int]
    xmp: str

    @property
    def hex(self) -> str:
        return "#" + "".join(f"{c:02x}" for c in self.rgb)


#: Lightroom's colour labels; keys 6 to 9 set the first four.
LABEL_TABLE = (
    Label("red", (208, 80, 74), "Red"),
    Label("yellow", (216, 192, 64), "Yellow"),
    Label("green", (88, 176, 88), "Green"),
    Label("blue", (74, 128, 208), "Blue"),
    Label("purple", (160, 96, 192), "Purple"),
)
LABEL_BY_NAME = {label.name: label for label in LABEL_TABLE}
#: Every value a render's label can hold; "" is no label.
LABELS = ("", *LABEL_BY_NAME)


@dataclass(frozen=True)
class Rating:
    """Stars, flag and label of one render: what undo restores."""

    stars: int = 0
    flag: str = ""
    label: str = ""

    def valid(self) -> bool:
        return 0 <= self.stars <= 5 and self.flag in FLAGS and self.label in LABELS


def is_keeper(stars: int, flag: str) -> bool:
    """A keeper: picked, or KEEPER_STARS stars and up, and not rejected."""
    return flag != "reject" and (flag == "pick" or stars >= KEEPER_STARS)


def is_judged(stars: int, flag: str) -> bool:
    """The artist said something about it: stars or a flag."""
    return bool(stars or flag)


@dataclass(frozen=True)
class RatedRender:
    """One rated render as the analysis sees it: which style made it and how it was judged."""

    style: str  # the style image's path or hash: renders are grouped by it
    stars: int  # 0..5
    rejected: bool = False
    picked: bool = False

    @property
    def flag(self) -> str:
        return "reject" if self.rejected else "pick" if self.picked else ""

    @property
    def kept(self) -> bool:
        return is_keeper(self.stars, self.flag)

    @property
    def judged(self) -> bool:
        return is_judged(self.stars, self.flag)


def keeper_rates(renders: Iterable[RatedRender]) -> dict[str, dict[str, float]]:
    """Per style: how many renders were judged, how many kept, and the keeper rate (kept/judged)."""
    counts: dict[str, list[int]] = {}
    for render in renders:
        if not render.judged:
            continue
        judged_kept = counts.setdefault(render.style, [0, 0])
        judged_kept[0] += 1
        judged_kept[1] += int(render.kept)
    return {
        style: {"judged": judged, "kept": kept, "rate": kept / judged}
        for style, (judged, kept) in counts.items()
    }


def metric_separation(
    renders: Sequence[RatedRender], stats_by_style: dict[str, dict[str, Any]]
) -> dict[str, dict[str, float]]:
    """For each metric, how well the style's value separates kept renders from rejected ones.

    `auc` is the chance that a kept render's style scores higher on the metric than a rejected
    render's (Mann-Whitney, ties count half): 0.5 means no signal, 1 means every keeper's style
    scores higher, 0 every keeper's lower. `separation` = |auc - 0.5| * 2, in 0..1.
    """
    kept = [r for r in renders if r.kept and r.style in stats_by_style]
    rejected = [r for r in renders if r.rejected and r.style in stats_by_style]
    result: dict[str, dict[str, float]] = {}
    if not kept or not rejected:
        return result
    for metric in METRICS:
        good = [float(stats_by_style[r.style][metric]) for r in kept]
        bad = [float(stats_by_style[r.style][metric]) for r in rejected]
        wins = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
        auc = wins / (len(good) * len(bad))
        result[metric] = {
            "auc": round(auc, 4),
            "separation": round(abs(auc - 0.5) * 2, 4),
            "kept": len(good),
            "rejected": len(bad),
        }
    return result
