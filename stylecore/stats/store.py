"""Image statistics cached in the studio database by file hash.

Statistics are keyed by the SHA-256 of the file's bytes and the metric definitions' version, so
a renamed file is not measured again and a changed metric is. The app computes the missing ones
in the background when the studio opens or a style or content image lands.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from stylecore.errors import StyleCoreError
from stylecore.spec import file_sha256
from stylecore.stats.measure import STATS_VERSION, compute_stats
from stylecore.studio import database as db
from stylecore.studio.folder import list_images

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
        if self.read_only:  # measured, but a read-only studio keeps no cache
            return
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
