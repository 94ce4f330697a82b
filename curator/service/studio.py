"""The service layer: everything the app and the command line ask of a studio, and the only way
they reach it. No Textual here, and no SQL or image maths in the UI: it calls this.

Ratings are committed at each action and recorded for undo and redo; views are computed over
an in-memory copy of the catalog that is refreshed when files land; jobs go through stylecore's
queue; render loops are started as detached processes so they outlive the app.

Threads: the app calls most methods from its own thread, whose database connections this
object keeps. Methods documented as "worker-safe" may be called from any thread: they open
their own short-lived connections when called off the owning thread, since one SQLite
connection must not carry two threads' transactions at once.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PIL import Image

from stylecore.errors import StyleCoreError
from stylecore.images import check_image, load_rgb, set_max_megapixels
from stylecore.settings import RenderSettings
from stylecore.spec import RenderSpec, file_sha256
from stylecore.stats.store import StatsStore
from stylecore.studio.database import ReadOnlyStudio, Store, is_space_or_io, require_writable
from stylecore.studio.folder import Studio, list_images
from stylecore.studio.queue import STATUSES, Job, JobQueue
from stylecore.studio.registry import LoopRecord

from ..catalog import QUICK, Catalog, RenderRow, collection_name
from ..filtering import (
    Group,
    ViewSpec,
    arrange_view,
    filter_and_sort,
    stack_key,
    stack_members,
)
from ..ratings import RatedRender, Rating, is_judged, is_keeper, keeper_rates, metric_separation
from ..thumbs import Thumb, ThumbError, ThumbnailCache
from ..watcher import Changes, FolderWatcher

if TYPE_CHECKING:
    from stylecore.loops.events import LoopEvent
    from stylecore.loops.local import RenderLoop

    from ..doctor import DoctorReport
    from ..export import ContentExport, ExportOptions, ExportPlan, OutlineLayer
    from ..keepers import Chance
    from ..sheets import SheetOptions, SheetResult

UNDO_LIMIT = 500
StoreT = TypeVar("StoreT", bound=Store)
Progress = Callable[[int, int, str], None]


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


@dataclass(frozen=True)
class QueueResult:
    """What queueing pairs did: new jobs, pairs in all, pairs that were the same job as
    another pair of the same batch (identical files), and the images skipped with why."""

    added: int
    pairs: int
    duplicates: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def already(self) -> int:
        """Pairs whose job was in the queue before."""
        return self.pairs - self.duplicates - self.added

    def describe(self, noun: str = "job") -> str:
        parts = [f"{self.already} already in the queue"]
        if self.duplicates:
            parts.append(f"{self.duplicates} the same as another pair (identical files)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} image(s) skipped")
        return f"queued {self.added} new {noun}(s) ({'; '.join(parts)})"


@dataclass(frozen=True)
class QueueSummary:
    """The queue's counts by status and the render loops alive, for a status line."""

    counts: dict[str, int]
    loops: int
    #: The running job furthest along: (iteration, total, seconds left or None).
    progress: tuple[int, int, float | None] | None = None

    def describe(self) -> str:
        parts = [f"{self.counts[s]} {s}" for s in ("running", "queued", "failed") if self.counts[s]]
        if self.progress is not None and parts and self.counts["running"]:
            iteration, total, eta = self.progress
            left = "" if eta is None else f", {_duration(eta)} left"
            parts[0] += f" ({iteration}/{total}{left})"
        loops = (
            f"{self.loops} loop{'s' if self.loops != 1 else ''}" if self.loops else "no render loop"
        )
        return f"queue: {', '.join(parts) or 'empty'} · {loops}"


def _duration(seconds: float) -> str:
    """12 s, 4 min, 1 h 20 min: an ETA as a person says it."""
    if seconds < 90:
        return f"{max(0, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


#: How much lower the CPU priority of a render loop started from the app (or the demo) is:
#: the artist triages on the machine that renders, and a keystroke must not wait behind a
#: Gatys step. Not more: Ray's 15 made renders crawl beside busy processes (see loops.cluster).
APP_LOOP_NICENESS = 5


class StudioService:
    """One open studio, as the app and the command line see it."""

    def __init__(self, studio: Studio, thumb_workers: int = 2, *, load_rows: bool = True) -> None:
        self.studio = studio
        set_max_megapixels(studio.config.max_image_megapixels)
        self._owner = threading.get_ident()
        self._stores: dict[type[Store], Store] = {}
        self._thumb_workers = thumb_workers
        self._thumbs: ThumbnailCache | None = None
        self._watcher: FolderWatcher | None = None
        self._rows: list[RenderRow] = []
        #: Each row's position in `rows` by render id; made when first needed after a change.
        self._position: dict[int, int] | None = None
        #: (filter, sort) and the rows they keep, in order; dropped when the rows change.
        self._sorted: tuple[tuple[object, ...], list[RenderRow]] | None = None
        self._undo: list[RatingAction] = []
        self._redo: list[RatingAction] = []
        self._style_stats: dict[str, dict[str, Any] | None] = {}
        if load_rows:
            self.reload()

    # ----------------------------------------------------------------- opening and closing

    @classmethod
    def open(cls, root: str | Path = ".", **kwargs: Any) -> StudioService:
        """An existing studio (a StudioError if `root` is not one)."""
        return cls(Studio.open(root), **kwargs)

    @classmethod
    def create(cls, root: str | Path) -> Studio:
        """Create (or complete) a studio folder and its database; safe to run again."""
        studio = Studio.init(root)
        JobQueue(studio).close()
        Catalog(studio).close()
        return studio

    def close(self) -> None:
        self.stop_watching()
        if self._thumbs is not None:
            self._thumbs.close()
        for store in self._stores.values():
            store.close()
        self._stores.clear()

    def __enter__(self) -> StudioService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _own(self, kind: type[StoreT]) -> StoreT:
        store = self._stores.get(kind)
        if store is None:
            store = self._stores[kind] = kind(self.studio)
        return cast(StoreT, store)

    @contextmanager
    def _store(self, kind: type[StoreT]) -> Iterator[StoreT]:
        """The owning thread's store of `kind`, or a fresh one for the length of a call."""
        if threading.get_ident() == self._owner:
            yield self._own(kind)
            return
        store = kind(self.studio)
        try:
            yield store
        finally:
            store.close()

    @property
    def catalog(self) -> Catalog:
        return self._own(Catalog)

    @property
    def queue(self) -> JobQueue:
        return self._own(JobQueue)

    @property
    def stats(self) -> StatsStore:
        return self._own(StatsStore)

    @property
    def thumbs(self) -> ThumbnailCache:
        """Thumbnails of renders, contents and styles, made by a background pool."""
        if self._thumbs is None:
            self._thumbs = ThumbnailCache(self.studio.thumbs, workers=self._thumb_workers)
        return self._thumbs

    # ----------------------------------------------------------------- watching the folders

    def watch(self, deliver: Callable[[Changes], None]) -> None:
        """Call `deliver(changes)` (from a watcher thread) when files land, move or leave
        renders/, styles/ or contents/."""
        if self._watcher is None:
            self._watcher = FolderWatcher(
                {
                    "renders": self.studio.renders,
                    "styles": self.studio.styles,
                    "contents": self.studio.contents,
                },
                deliver,
            )
            self._watcher.start()

    def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    # ----------------------------------------------------------------- renders and views

    def reload(self) -> None:
        """Re-read the catalog (cheap: one query) after files changed."""
        self.rows = self.catalog.all()

    @property
    def read_only_reason(self) -> str | None:
        """Why the studio is open read-only (a read-only disk, no permission, a full disk),
        or None when ratings and jobs can be saved."""
        return self.catalog.read_only_reason or self.queue.read_only_reason

    def rescan(self) -> bool:
        """Reconcile the catalog with renders/ (renders made while the app was closed);
        True if anything changed. Worker-safe: off the owning thread the rows are not
        reloaded (call `reload` on the owning thread after); on it, they are. A studio that
        cannot be written keeps the catalog it has."""
        with self._store(Catalog) as catalog:
            try:
                changed, gone, _ = catalog.scan()
            except ReadOnlyStudio:
                changed = gone = 0
            except sqlite3.OperationalError as exc:
                if not is_space_or_io(exc):
                    raise
                changed = gone = 0  # the disk filled up: show what the catalog has
        if threading.get_ident() == self._owner:
            self.reload()
        return bool(changed or gone)

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
        self._rows_changed()

    def view(self, spec: ViewSpec) -> list[Group]:
        """The view's groups. The filtered, sorted rows are kept while the rows, filter and
        sort stay the same, so opening a stack or grouping does not sort 10,000 rows again
        (statistics sorts are always redone: statistics arrive in the background)."""
        return arrange_view(self._kept(spec), spec)

    def _kept(self, spec: ViewSpec, *, fresh_statistics: bool = True) -> list[RenderRow]:
        key = (spec.filter, spec.sort)
        again = fresh_statistics and spec.sort.startswith("stat:")
        if again or self._sorted is None or self._sorted[0] != key:
            self._sorted = (key, filter_and_sort(self.rows, spec, self.style_stat))
        return self._sorted[1]

    def stack_members(self, row: RenderRow, spec: ViewSpec) -> list[RenderRow]:
        """The renders of `row`'s stack in the view `spec`, its top first: what opening the
        stack shows (the sheet warms their thumbnails while the cursor rests on it)."""
        return stack_members(self._kept(spec, fresh_statistics=False), stack_key(row))

    @property
    def rows(self) -> list[RenderRow]:
        """Every present render, newest first (the app's in-memory copy of the catalog)."""
        return self._rows

    @rows.setter
    def rows(self, rows: list[RenderRow]) -> None:
        self._rows = rows
        self._rows_changed()

    def _rows_changed(self, moved: bool = True) -> None:
        """The rows changed (replaced, patched or extended): the cached view is stale, and
        unless rows were only patched in place (`moved` False), their positions too."""
        self._sorted = None
        if moved:
            self._position = None

    def _positions(self) -> dict[int, int]:
        if self._position is None:
            self._position = {row.id: index for index, row in enumerate(self._rows)}
        return self._position

    def rows_with_ids(self, ids: Iterable[int]) -> list[RenderRow]:
        """The present rows of these render ids (a rating's redraw: no pass over every row)."""
        positions = self._positions()
        return [self._rows[positions[i]] for i in ids if i in positions]

    def select(self, spec: ViewSpec, *, rescan: bool = True) -> list[RenderRow]:
        """The renders a view shows, in order (for the command line: rescans first)."""
        if rescan:
            self.rescan()
        return [row for group in self.view(spec) for row in group.rows]

    def get(self, render_id: int) -> RenderRow | None:
        return self.catalog.get(render_id)

    def with_specs(self, rows: Sequence[RenderRow]) -> list[RenderRow]:
        """The rows again, each with its spec (settings) loaded. Worker-safe."""
        with self._store(Catalog) as catalog:
            return [catalog.get(row.id) or row for row in rows]

    def thumb_of(self, row: RenderRow) -> Thumb | ThumbError:
        """A render's thumbnail, made (and cached) if need be. Worker-safe."""
        return self.thumbs.get(self.render_path(row))

    def render_path(self, row: RenderRow) -> Path:
        return self.studio.renders / row.file

    def content_path(self, row: RenderRow) -> Path | None:
        return self.studio.resolve(row.content) if row.content else None

    def style_paths(self, row: RenderRow) -> list[Path]:
        return [self.studio.resolve(s) for s in row.style.split("|") if s]

    def sidecar(self, row: RenderRow) -> dict[str, Any] | None:
        return self.catalog.sidecar(row.id)

    def load_image(self, path: Path, like: tuple[int, int] | None = None) -> Image.Image:
        """A picture decoded for display (upright, sRGB); a StyleCoreError names the problem.
        `like`: resized to that size (a content photo shown in its render's place). A JPEG
        is decoded reduced when that is enough. Worker-safe."""
        if like is None:
            return load_rgb(path)
        image = load_rgb(path, max(like))
        return image if image.size == like else image.resize(like, Image.Resampling.LANCZOS)

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
        require_writable(self.catalog.conn, "save ratings", durable=True)
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

    def rate_files(
        self,
        files: Sequence[Path],
        *,
        stars: int | None = None,
        flag: str | None = None,
        label: str | None = None,
    ) -> list[int]:
        """Rate render files named on the command line (each must be in this studio's renders/)."""
        require_writable(self.catalog.conn, "save ratings", durable=True)
        ids: list[int] = []
        for path in files:
            full = path if path.is_absolute() else Path.cwd() / path
            if not full.exists():
                raise StyleCoreError(f"{path}: file not found")
            if full.resolve().parent != self.studio.renders:
                raise StyleCoreError(f"{path}: not a render in {self.studio.renders}")
            render_id = self.catalog.add_file(full.resolve())
            if render_id is None:
                raise StyleCoreError(f"{path}: not a render image")
            ids.append(render_id)
        self.rate(ids, stars=stars, flag=flag, label=label)
        return ids

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

    def toggle_collection(self, rows: Sequence[RenderRow], name: str = QUICK) -> bool:
        """Put `rows` in collection `name`, or, when all are in it already, take them out;
        True when they were put in. Committed at once; the in-memory rows follow."""
        try:
            name = collection_name(name)
        except ValueError as exc:
            raise StyleCoreError(str(exc)) from None
        ids = [row.id for row in rows]
        current = {row.id: row for row in self.rows}
        member = not all(
            (current.get(render_id) or row).in_collection(name)
            for render_id, row in zip(ids, rows, strict=True)
        )
        require_writable(self.catalog.conn, "save collections", durable=True)
        self.catalog.set_collection(name, ids, member)
        found = self.catalog.collections_of(ids)
        positions = self._positions()
        for render_id, collections in found.items():
            if render_id in positions:
                index = positions[render_id]
                self._rows[index] = self._rows[index]._replace(collections=collections)
        self._rows_changed(moved=False)
        return member

    def collections(self) -> list[tuple[str, int]]:
        """Every collection and how many renders it holds."""
        return self.catalog.collection_names()

    def _patch_rows(self, ratings: dict[int, Rating]) -> None:
        """Update the in-memory rows without re-reading the catalog (a keystroke's budget)."""
        positions = self._positions()
        for render_id, rating in ratings.items():
            if render_id in positions:
                index = positions[render_id]
                self._rows[index] = self._rows[index]._replace(
                    stars=rating.stars, flag=rating.flag, label=rating.label
                )
        self._rows_changed(moved=False)

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
        """Statistics of a style or content image (measured now if missing); None if
        unreadable. Worker-safe."""
        with self._store(StatsStore) as store:
            try:
                return store.get(path, role)
            except StyleCoreError:
                return None

    def compute_missing_stats(self) -> int:
        """Measure the studio's styles and contents not measured yet; returns how many.
        Worker-safe."""
        with self._store(StatsStore) as store:
            done = store.compute_missing()
        self._style_stats = {}
        return len(done)

    def style_verdict(self, row: RenderRow) -> str | None:
        """The verdict on the render's style, with its reasons, if it has been measured."""
        if not row.style_shas:
            return None
        stats = self._cached_style_stats(row.style_shas[0])
        return str(stats["verdict"]) if stats and "verdict" in stats else None

    def style_report(self, row: RenderRow) -> Image.Image | None:
        """The picture of the render's style statistics (histogram, hue wheel, palette);
        None when the style is missing or unreadable. Worker-safe."""
        from stylecore.stats.report import draw_report

        styles = self.style_paths(row)
        if not styles or not styles[0].exists():
            return None
        stats = self.image_stats(styles[0], "style")
        return draw_report(stats, title=f"style: {styles[0].name}") if stats else None

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

    def keeper_chances(
        self, content: Path, styles: Sequence[Path] | None = None, *, rescan: bool = True
    ) -> tuple[list[Chance], str]:
        """The styles not yet rendered on `content` (nor queued for it), by predicted keeper
        chance, best first; and one line on what the chances rest on (see curator.keepers).
        Measures styles that have no statistics yet."""
        from ..keepers import Judged, KeeperModel, describe_model, rank

        if rescan:
            self.rescan()
        photo = self.studio.relative(content)
        judged: list[Judged] = []
        previews: dict[str, bool] = {}
        tried: set[str] = set()
        for row in self.rows:
            first_style = row.style.split("|")[0]
            if row.content == photo:
                if row.is_preview:
                    if is_judged(row.stars, row.flag):
                        previews[first_style] = is_keeper(row.stars, row.flag)
                else:
                    tried.add(first_style)
            if row.is_preview or not is_judged(row.stars, row.flag) or not row.style_shas:
                continue
            stats = self._cached_style_stats(row.style_shas[0])
            if stats is not None:
                judged.append(Judged(stats, is_keeper(row.stars, row.flag)))
        for job in self.queue.jobs(["queued", "running"]):
            if job.spec.content.path == photo and job.spec.engine != "preview":
                tried.add(job.spec.styles[0].path)
        library = styles if styles is not None else list_images(self.studio.styles)
        candidates = {
            self.studio.relative(path): self.image_stats(path, "style")
            for path in library
            if self.studio.relative(path) not in tried
        }
        model = KeeperModel.fit(judged)
        kept = sum(j.kept for j in judged)
        return rank(candidates, model, previews), describe_model(model, kept, len(judged) - kept)

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
        *,
        priority: int = 0,
        engine: str = "gatys",
        settings: RenderSettings | None = None,
    ) -> QueueResult:
        """Queue every content x style pair of the images that can be read; an unreadable
        one is skipped (and named in the result), the rest go on."""
        chosen = settings or self.studio.config.preset(preset)
        chosen = chosen.replace(**(changes or {}))
        skipped: list[tuple[Path, str]] = []

        def readable(paths: Sequence[Path]) -> list[Path]:
            good = []
            for path in dict.fromkeys(paths):
                try:
                    check_image(path)  # the header: a text file named .jpg, a 1 GP bomb
                    good.append(path)
                except StyleCoreError as exc:
                    skipped.append((path, str(exc).removeprefix(f"{path}: ")))
            return good

        good_contents, good_styles = readable(contents), readable(styles)
        specs = []
        for content in good_contents:
            for style in good_styles:
                try:
                    specs.append(self.queue.spec_for(content, [style], chosen, engine=engine))
                except StyleCoreError as exc:  # unreadable bytes (permission, vanished)
                    skipped.append((content, str(exc)))
        unique = {spec.job_id(): spec for spec in specs}
        added = self.queue.add(unique.values(), priority=priority) if unique else []
        return QueueResult(len(added), len(specs), len(specs) - len(unique), skipped)

    @staticmethod
    def images_in(folder: Path) -> list[Path]:
        """The image files directly in `folder`, by name (hidden files skipped)."""
        return list_images(folder)

    def contents(self) -> list[Path]:
        return list_images(self.studio.contents)

    def styles(self) -> list[Path]:
        return list_images(self.studio.styles)

    def presets(self) -> list[str]:
        return sorted(self.studio.config.presets)

    def jobs(self, statuses: Iterable[str] | None = None) -> list[Job]:
        return self.queue.jobs(statuses)

    def resolve_jobs(self, prefixes: Iterable[str]) -> list[str]:
        return self.queue.resolve_ids(prefixes)

    def cancel(self, ids: Sequence[str]) -> int:
        return self.queue.cancel(ids)

    def retry(self, ids: Sequence[str]) -> int:
        return self.queue.retry(ids)

    def clear_done(self) -> int:
        return self.queue.clear_done()

    def set_priority(self, ids: Sequence[str], priority: int) -> int:
        return self.queue.set_priority(ids, priority)

    def reprioritise(self, ids: Sequence[str], delta: int) -> None:
        for job_id in ids:
            job = self.queue.get(job_id)
            if job is not None:
                self.queue.set_priority([job_id], job.priority + delta)

    def queue_summary(self) -> QueueSummary:
        counts = self.queue.counts()
        progress = None
        if counts.get("running"):
            running = self.queue.jobs(["running"])
            if running:
                job = max(running, key=lambda j: j.iteration / max(1, j.total))
                progress = (job.iteration, job.total, job.eta)
        return QueueSummary({s: counts.get(s, 0) for s in STATUSES}, len(self.loops()), progress)

    def loops(self) -> list[LoopRecord]:
        return self.queue.loops.live()

    def start_loop(self, device: str | None = None) -> int:
        """Start `curator render` for this studio as a detached process (it outlives the app)."""
        log = open(self.studio.logs / "loop-started-from-app.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "curator.cli", "render", str(self.studio.root), "--quiet",
                   "--nice", str(APP_LOOP_NICENESS)]  # fmt: skip
        if device:
            command += ["--device", device]
        process = subprocess.Popen(
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        return process.pid

    def stop_loops(self) -> int:
        return self.queue.loops.request_stop()

    def render_loop(
        self,
        *,
        device: str | None = None,
        ray: str | None = None,
        actors: int | None = None,
        cpus_per_actor: float = 1.0,
        on_event: Callable[[LoopEvent], None] | None = None,
        **options: Any,
    ) -> RenderLoop:
        """A render loop for this studio, local or (with `ray`, an address or "") on Ray."""
        if ray is not None:
            from stylecore.loops.cluster import RayRenderLoop, cluster_logging

            cluster_logging()
            return RayRenderLoop(
                self.studio, address=ray or None, actors=actors,
                cpus_per_actor=cpus_per_actor, on_event=on_event, **options,
            )  # fmt: skip
        from stylecore.loops.local import RenderLoop

        return RenderLoop(self.studio, device=device, on_event=on_event, **options)

    # ----------------------------------------------------------------- health

    def doctor(self, repair: bool = False) -> DoctorReport:
        """Check the studio's database against its files; with `repair`, back it up and
        rebuild what is damaged (see curator.doctor). Call before anything opens a store."""
        from ..doctor import examine
        from ..doctor import repair as mend

        self.close()
        return mend(self.studio) if repair else examine(self.studio)

    # ----------------------------------------------------------------- export and sheets

    def check_export_destination(self, destination: Path) -> None:
        """Refuse a destination an export may never use (a file, a link, the studio's own
        folders), before the renders are chosen. Worker-safe."""
        from ..export import check_destination

        check_destination(self.studio, destination)

    def plan_export(
        self, rows: Sequence[RenderRow], options: ExportOptions, *, check: bool = True
    ) -> ExportPlan:
        """What an export would write (raises ExportError on a conflict, unless `check` is
        off for a dry run; an unsafe path is refused always). Worker-safe."""
        from ..export import plan_export

        return plan_export(self.studio, self.with_specs(rows), options, check=check)

    def export(
        self,
        plan: ExportPlan,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> dict[str, Any]:
        """Carry out an export plan; returns its manifest. Worker-safe; `cancel`, once set,
        stops it (ExportCancelled) with what was written recorded."""
        from ..export import run_export

        return run_export(plan, self.studio, progress, cancel)

    def export_outline(self, plan: ExportPlan) -> list[tuple[ContentExport, list[OutlineLayer]]]:
        """Each photo's layer stack as `plan` would write it (names, groups, masks), bottom
        to top; renders' detail measured from their files (cached). Worker-safe."""
        from ..export import outline

        def detail(row: RenderRow) -> float:
            stats = self.image_stats(self.render_path(row), "style")
            return float(stats["edge_density"]) if stats else 0.0

        return outline(plan, detail)

    def stack_preview(self, row: RenderRow) -> Image.Image:
        """What opening the PSD of an export of this render shows (its photo, the painterly
        base and the render through their masks, as studio.toml's [export] sets them), at
        the render's size. Raises StyleCoreError for an unreadable render or photo, or a
        render without its photo. Worker-safe."""
        from ..export import stack_preview

        content = self.content_path(row)
        if content is None or not content.exists():
            raise StyleCoreError(f"{row.file}: its content photo is not in the studio")
        render = load_rgb(self.render_path(row))
        options = self.export_options(self.studio.exports)
        return stack_preview(load_rgb(content), render, options)

    def export_options(self, destination: Path, **overrides: Any) -> ExportOptions:
        """The studio.toml [export] settings for `destination`, `overrides` on top."""
        from ..export import ExportOptions

        return ExportOptions.from_config(self.studio.config, destination, **overrides)

    def make_sheet(
        self,
        rows: Sequence[RenderRow],
        output: Path,
        options: SheetOptions,
        progress: Callable[[int, int], None] | None = None,
        *,
        force: bool = False,
    ) -> SheetResult:
        """A contact sheet of `rows` as PDF or PNG pages; refuses to overwrite unless
        `force`. Worker-safe."""
        from ..sheets import default_loader, make_sheet
        from ..thumbs import THUMB_SIZE

        if options.settings:
            rows = self.with_specs(rows)
        cell = options.page_pixels()[0] / max(1, options.columns)
        full = default_loader(self.studio.renders)
        thumbs = self.thumbs

        def load(row: RenderRow) -> Image.Image | None:
            if cell > THUMB_SIZE:
                return full(row)
            thumb = thumbs.get(self.render_path(row))
            return thumb if isinstance(thumb, Image.Image) else None

        palettes: dict[str, list[dict[str, object]] | None] = {}

        def palette_of(row: RenderRow) -> list[dict[str, object]] | None:
            if not row.style_shas:
                return None
            sha = row.style_shas[0]
            if sha not in palettes:
                with self._store(StatsStore) as store:
                    stats = store.cached(sha, "style")
                    if stats is None and row.style:
                        path = self.studio.resolve(row.style.split("|")[0])
                        try:
                            stats = store.get(path, "style") if path.is_file() else None
                        except StyleCoreError:
                            stats = None
                palettes[sha] = stats["palette"] if stats else None
            return palettes[sha]

        return make_sheet(
            rows, output, options, load, palette_of if options.palette else None, progress,
            force=force,
        )  # fmt: skip
