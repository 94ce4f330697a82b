"""Image statistics cached in the studio database by file hash, and what ratings say about them.

Statistics are keyed by the SHA-256 of the file's bytes and the metric definitions' version, so
a renamed file is not measured again and a changed metric is. The app computes the missing ones
in the background when the studio opens or a style or content image lands.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import db
from .errors import StyleCoreError
from .spec import file_sha256
from .stats import METRICS, STATS_VERSION, compute_stats
from .studio import list_images

MIGRATIONS = (
    """
    CREATE TABLE image_stats (
        sha256 TEXT NOT NULL,
        role TEXT NOT NULL,
        version INTEGER NOT NULL,
        stats TEXT,
        error TEXT,
        computed REAL NOT NULL,
        PRIMARY KEY (sha256, role)
    )
    """,
)


class StatsStore(db.Store):
    """Statistics of a studio's images, computed once per file content and role."""

    COMPONENT = "stats"
    MIGRATIONS = MIGRATIONS

    def cached(self, sha256: str, role: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT stats FROM image_stats WHERE sha256 = ? AND role = ? AND version = ?"
            " AND stats IS NOT NULL",
            (sha256, role, STATS_VERSION),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, path: str | Path, role: str, sha256: str | None = None) -> dict[str, Any]:
        """Statistics of an image, from the cache or measured now (and cached)."""
        digest = sha256 or file_sha256(path)
        found = self.cached(digest, role)
        if found is not None:
            return found
        try:
            stats = compute_stats(path, role).to_dict()
        except StyleCoreError as exc:
            self._store(digest, role, None, str(exc))
            raise
        self._store(digest, role, stats, None)
        return stats

    def _store(self, sha: str, role: str, stats: dict[str, Any] | None, error: str | None) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO image_stats (sha256, role, version, stats, error, computed)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (sha, role, STATS_VERSION, json.dumps(stats) if stats else None, error, time.time()),
        )

    def missing(self) -> list[tuple[Path, str]]:
        """(path, role) of the studio's contents and styles with no current statistics."""
        todo: list[tuple[Path, str]] = []
        for folder, role in ((self.studio.styles, "style"), (self.studio.contents, "content")):
            for path in list_images(folder):
                try:
                    digest = file_sha256(path)
                except StyleCoreError:
                    continue
                if self.cached(digest, role) is None and not self._failed(digest, role):
                    todo.append((path, role))
        return todo

    def _failed(self, sha256: str, role: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM image_stats WHERE sha256 = ? AND role = ? AND version = ?"
            " AND error IS NOT NULL",
            (sha256, role, STATS_VERSION),
        ).fetchone()
        return row is not None

    def compute_missing(self) -> list[tuple[Path, str | None]]:
        """Measure everything missing; returns (path, error or None) for each one measured."""
        done: list[tuple[Path, str | None]] = []
        for path, role in self.missing():
            try:
                self.get(path, role)
                done.append((path, None))
            except StyleCoreError as exc:
                done.append((path, str(exc)))
        return done


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True)
class RatedRender:
    """One rated render as the analysis sees it: which style made it and how it was judged."""

    style: str  # the style image's path or hash: renders are grouped by it
    stars: int  # 0..5
    rejected: bool = False
    picked: bool = False

    @property
    def kept(self) -> bool:
        """A keeper: picked, or 3 stars and up, and not rejected."""
        return not self.rejected and (self.picked or self.stars >= 3)

    @property
    def judged(self) -> bool:
        return self.rejected or self.picked or self.stars > 0


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
