"""The service layer: everything the app asks of the studio, with no Textual in sight.

The UI never runs SQL or image maths; it calls this. Ratings are committed at each action and
recorded for undo and redo; views are computed over an in-memory copy of the catalog that is
refreshed when files land; jobs go through stylecore's queue; render loops are started as
detached processes so they outlive the app.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stylecore.errors import StyleCoreError
from stylecore.queue import Job, JobQueue, Worker
from stylecore.settings import RenderSettings
from stylecore.spec import RenderSpec, file_sha256
from stylecore.stats_store import RatedRender, StatsStore, keeper_rates, metric_separation
from stylecore.studio import Studio, list_images

from .catalog import Catalog, Rating, RenderRow
from .thumbs import ThumbnailCache
from .views import Group, ViewSpec, apply_view
from .watcher import Changes

UNDO_LIMIT = 500


@dataclass(frozen=True)
class RatingAction:
    """One undoable change: each render's rating before and after."""

    before: dict[int, Rating]
    after: dict[int, Rating]


@dataclass(frozen=True)
class StyleEntry:
    """A style image in the library, with its statistics and how its renders were judged."""

    path: Path
    sha256: str
    stats: dict[str, Any] | None
    renders: int
    judged: int
    kept: int

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def keeper_rate(self) -> float | None:
        return self.kept / self.judged if self.judged else None


class StudioService:
    """One open studio, as the app sees it."""

    def __init__(self, studio: Studio, thumb_workers: int = 2) -> None:
        self.studio = studio
        self.catalog = Catalog(studio)
        self.queue = JobQueue(studio)
        self.stats = StatsStore(studio)
        self.thumbs = ThumbnailCache(studio.thumbs, workers=thumb_workers)
        self.rows: list[RenderRow] = []
        self._undo: list[RatingAction] = []
        self._redo: list[RatingAction] = []
        self._style_stats: dict[str, dict[str, Any] | None] = {}
        self.reload()

    def close(self) -> None:
        self.thumbs.close()
        for part in (self.catalog, self.queue, self.stats):
            part.close()

    # ----------------------------------------------------------------- renders and views

    def reload(self) -> None:
        """Re-read the catalog (cheap: one query) after files changed."""
        self.rows = self.catalog.all()

    def rescan(self) -> tuple[int, int, int]:
        """Reconcile the catalog with renders/ (renders made while the app was closed)."""
        result = self.catalog.scan()
        self.reload()
        return result

    def apply_changes(self, changes: Changes) -> None:
        """Fold a watcher batch into the catalog and patch the in-memory rows.

        Only the changed rows are read back (re-reading 10,000 rows for one new render would
        cost most of the one second a render has to reach its tile); the new renders'
        thumbnails start decoding at once, while the view is rebuilt.
        """
        touched: set[int] = set()
        gone: set[str] = set()
        for path in sorted(changes.landed.get("renders", ())):
            render_id = self.catalog.add_file(path)
            if render_id is not None:
                touched.add(render_id)
                self.thumbs.request(path, lambda p, t: None)
        for path in sorted(changes.gone.get("renders", ())):
            self.catalog.remove_file(path)
            gone.add(path.name)
        for source, target in changes.moved.get("renders", ()):
            gone.add(source.name)
            render_id = self.catalog.move_file(source, target)
            if render_id is not None:
                touched.add(render_id)
        if not touched and not gone:
            return
        fresh = [row for row in (self.catalog.get(i, spec=False) for i in touched) if row]
        fresh_ids = {row.id for row in fresh}
        self.rows = [r for r in self.rows if r.file not in gone and r.id not in fresh_ids]
        self.rows.extend(fresh)
        self.rows.sort(key=lambda r: (-r.created, -r.id))

    def view(self, spec: ViewSpec) -> list[Group]:
        return apply_view(self.rows, spec, self.style_stat)

    def get(self, render_id: int) -> RenderRow | None:
        return self.catalog.get(render_id)

    def render_path(self, row: RenderRow) -> Path:
        return self.studio.renders / row.file

    def content_path(self, row: RenderRow) -> Path | None:
        return self.studio.resolve(row.content) if row.content else None

    def style_paths(self, row: RenderRow) -> list[Path]:
        return [self.studio.resolve(s) for s in row.style.split("|") if s]

    def sidecar(self, row: RenderRow) -> dict[str, Any] | None:
        return self.catalog.sidecar(row.id)

    # ----------------------------------------------------------------- ratings, undo, redo

    def rate(
        self,
        ids: Iterable[int],
        *,
        stars: int | None = None,
        flag: str | None = None,
        label: str | None = None,
        toggle_label: bool = False,
    ) -> list[int]:
        """Set stars, flag and/or label on renders; one undoable action. Returns changed ids."""
        before = self.catalog.ratings(ids)
        after: dict[int, Rating] = {}
        for render_id, old in before.items():
            new_label = old.label if label is None else label
            if toggle_label and label is not None and old.label == label:
                new_label = ""
            new = Rating(
                stars=old.stars if stars is None else stars,
                flag=old.flag if flag is None else flag,
                label=new_label,
            )
            if new != old:
                after[render_id] = new
        if not after:
            return []
        self.catalog.set_ratings(after)
        self._undo.append(RatingAction({i: before[i] for i in after}, after))
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()
        self._patch_rows(after)
        return list(after)

    def undo(self) -> list[int]:
        if not self._undo:
            return []
        action = self._undo.pop()
        self.catalog.set_ratings(action.before)
        self._redo.append(action)
        self._patch_rows(action.before)
        return list(action.before)

    def redo(self) -> list[int]:
        if not self._redo:
            return []
        action = self._redo.pop()
        self.catalog.set_ratings(action.after)
        self._undo.append(action)
        self._patch_rows(action.after)
        return list(action.after)

    def _patch_rows(self, ratings: dict[int, Rating]) -> None:
        """Update the in-memory rows without re-reading the catalog (a keystroke's budget)."""
        for index, row in enumerate(self.rows):
            rating = ratings.get(row.id)
            if rating is not None:
                self.rows[index] = row._replace(
                    stars=rating.stars, flag=rating.flag, label=rating.label
                )

    # ----------------------------------------------------------------- statistics

    def style_stat(self, row: RenderRow, metric: str) -> float | None:
        """A statistic of the render's (first) style image, for sorting; None if not measured."""
        if not row.style_shas:
            return None
        stats = self._cached_style_stats(row.style_shas[0])
        value = stats.get(metric) if stats else None
        return float(value) if isinstance(value, (int, float)) else None

    def _cached_style_stats(self, sha: str) -> dict[str, Any] | None:
        if sha not in self._style_stats:
            self._style_stats[sha] = self.stats.cached(sha, "style")
        return self._style_stats[sha]

    def image_stats(self, path: Path, role: str) -> dict[str, Any] | None:
        """Statistics of a style or content image (measured now if missing); None if unreadable."""
        try:
            return self.stats.get(path, role)
        except StyleCoreError:
            return None

    def compute_missing_stats(self) -> int:
        """Measure the studio's styles and contents not measured yet; returns how many."""
        done = self.stats.compute_missing()
        self._style_stats.clear()
        return len(done)

    def style_library(self) -> list[StyleEntry]:
        """Every image in styles/, its statistics, and how renders made with it were judged."""
        renders = [
            RatedRender(style=style, stars=row.stars, rejected=row.flag == "reject",
                        picked=row.flag == "pick")
            for row in self.rows
            for style in row.style.split("|")[:1]
        ]  # fmt: skip
        rates = keeper_rates(renders)
        counts: dict[str, int] = {}
        for render in renders:
            counts[render.style] = counts.get(render.style, 0) + 1
        entries = []
        for path in list_images(self.studio.styles):
            stored = self.studio.relative(path)
            try:
                sha = file_sha256(path)
            except StyleCoreError:
                continue
            rate = rates.get(stored, {"judged": 0, "kept": 0})
            entries.append(
                StyleEntry(
                    path=path,
                    sha256=sha,
                    stats=self.stats.cached(sha, "style"),
                    renders=counts.get(stored, 0),
                    judged=int(rate["judged"]),
                    kept=int(rate["kept"]),
                )
            )
        return entries

    def predictors(self) -> dict[str, dict[str, float]]:
        """For each statistic, how well the style's value separates kept from rejected renders."""
        by_style: dict[str, dict[str, Any]] = {}
        renders: list[RatedRender] = []
        for row in self.rows:
            if not row.style_shas:
                continue
            stats = self._cached_style_stats(row.style_shas[0])
            if stats is None:
                continue
            by_style[row.style_shas[0]] = stats
            renders.append(
                RatedRender(row.style_shas[0], row.stars, row.flag == "reject", row.flag == "pick")
            )
        return metric_separation(renders, by_style)

    # ----------------------------------------------------------------- jobs

    def settings_of(self, row: RenderRow) -> RenderSettings | None:
        full = row if row.spec is not None else self.catalog.get(row.id)
        if full is None or full.spec is None:
            return None
        return RenderSpec.from_dict(full.spec).settings

    def rerun(self, row: RenderRow, changes: dict[str, Any] | None = None) -> str | None:
        """Queue the render's job again with a new seed (and `changes`); returns the new job id,
        or None when exactly that job is already queued. From a content start, seeded noise is
        added so the new seed gives a new picture."""
        full = row if row.spec is not None else self.catalog.get(row.id)
        if full is None or full.spec is None:
            raise StyleCoreError(f"{row.file}: no sidecar with the render's settings; cannot rerun")
        spec = RenderSpec.from_dict(full.spec)
        settings = spec.settings
        if changes is None:
            noise = settings.init_noise or (8.0 if settings.init != "random" else 0.0)
            settings = settings.replace(seed=random.randrange(1, 2**31), init_noise=noise)
        else:
            settings = settings.replace(**changes)
        new = self.queue.spec_for(
            self.studio.resolve(spec.content.path),
            [self.studio.resolve(s.path) for s in spec.styles],
            settings,
            weights=[s.weight for s in spec.styles],
            init_image=self.studio.resolve(spec.init_image.path) if spec.init_image else None,
            engine=spec.engine,
        )
        added = self.queue.add([new], priority=1, parent=row.job_id)
        return added[0] if added else None

    def promote(self, rows: Sequence[RenderRow], preset: str | None = None) -> tuple[int, int]:
        """Queue full renders of previews with a preset, each linked to its preview.

        Returns (new jobs, previews promoted); colour preservation carries over.
        """
        settings = self.studio.config.preset(preset)
        specs = []
        for row in rows:
            full = row if row.spec is not None else self.catalog.get(row.id)
            if full is None or full.spec is None or full.engine != "preview":
                continue
            spec = RenderSpec.from_dict(full.spec)
            colours = spec.settings.original_colors
            specs.append(
                (
                    row.job_id,
                    self.queue.spec_for(
                        self.studio.resolve(spec.content.path),
                        [self.studio.resolve(s.path) for s in spec.styles],
                        settings.replace(original_colors=colours),
                        weights=[s.weight for s in spec.styles],
                    ),
                )
            )
        added = [job for parent, spec in specs for job in self.queue.add([spec], parent=parent)]
        return len(added), len(specs)

    def queue_pairs(
        self,
        contents: Sequence[Path],
        styles: Sequence[Path],
        preset: str | None = None,
        changes: dict[str, Any] | None = None,
    ) -> tuple[int, int]:
        settings = self.studio.config.preset(preset).replace(**(changes or {}))
        added, total = self.queue.add_cross(contents, styles, settings)
        return len(added), total

    def contents(self) -> list[Path]:
        return list_images(self.studio.contents)

    def styles(self) -> list[Path]:
        return list_images(self.studio.styles)

    def presets(self) -> list[str]:
        return sorted(self.studio.config.presets)

    def jobs(self) -> list[Job]:
        return self.queue.jobs()

    def cancel(self, ids: Sequence[str]) -> int:
        return self.queue.cancel(ids)

    def retry(self, ids: Sequence[str]) -> int:
        return self.queue.retry(ids)

    def reprioritise(self, ids: Sequence[str], delta: int) -> None:
        for job_id in ids:
            job = self.queue.get(job_id)
            if job is not None:
                self.queue.set_priority([job_id], job.priority + delta)

    def loops(self) -> list[Worker]:
        return self.queue.live_workers()

    def start_loop(self, device: str | None = None) -> int:
        """Start `curator render` for this studio as a detached process (it outlives the app)."""
        log = open(self.studio.logs / "loop-started-from-app.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "curator.cli", "render", str(self.studio.root), "--quiet"]
        if device:
            command += ["--device", device]
        process = subprocess.Popen(
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        return process.pid

    def stop_loops(self) -> int:
        return self.queue.request_stop()
