"""App benchmark: 10,000 renders. First paint, thumbnails shown, keystroke latency, a new render
reaching its tile, resident memory.

The studio holds N small real PNGs with sidecars (made once, reused: --studio keeps it). The app
runs headless through Textual's pilot with half-cell pictures (or `--graphics sixel`: sixel data
made and written into the screen's lines, as for xterm), so what is timed is the app's
own work (catalog, view, layout, widgets, thumbnails), not a terminal's drawing. "Warm" means the
catalog has been scanned and the thumbnail cache on disk holds the first screen's thumbnails.
Keystroke latency is measured from posting the key event to the app until the compositor
hands the updated screen to the display (App._display, hooked); `pilot.press` is not used for
it because its own waits for idleness cost about 130 ms a key here. Zoom and pan keys are timed
with every view made anew: the loupe keeps its last views, and a view seen again would time
only a cache.

    python bench/app.py [--renders 10000] [--studio /tmp/bench-app-studio] [--keys 200]
        [--graphics halfcell|sixel]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from PIL import Image, ImageOps
from textual import events
from textual.geometry import Region

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from curator.app.widgets import picture as graphics  # noqa: E402

graphics.choose("halfcell")

from curator.app.app import CuratorApp  # noqa: E402
from curator.app.widgets.contact_sheet import ContactSheet  # noqa: E402
from curator.catalog import Catalog  # noqa: E402
from curator.service import StudioService, pictures  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.spec import ImageRef, RenderSpec  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402

SIZE = (160, 50)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


BIG = "big__starry_night__000000002048.png"


def add_big_render(studio: Studio) -> None:
    """One 2048 x 1536 render (Starry Night enlarged), for the loupe's zoom and pan."""
    path = studio.renders / BIG
    if path.exists():
        return
    big = Image.open(REPO / "samples/styles/starry_night.jpg").convert("RGB")
    big = big.resize((2048, 1536), Image.Resampling.LANCZOS)
    content = ImageRef.of("contents/astronaut.png", base=studio.root)
    style = ImageRef.of("styles/starry_night.jpg", base=studio.root)
    spec = RenderSpec(content, (style,), RenderSettings(image_size=2048, seed=1))
    sidecar = {
        "job_id": spec.job_id(), "created": "2026-09-01T00:00:00+00:00",
        "spec": spec.to_dict(), "seconds": 600.0, "size": [2048, 1536],
        "losses": {"total": 1e6},
    }  # fmt: skip
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    big.save(path, compress_level=1)
    os.utime(path, (1_780_000_000, 1_780_000_000))


def build_studio(root: Path, count: int) -> Studio:
    """N renders: 16 pictures (4 photos x 4 tints) saved under N names, with sidecars."""
    studio = Studio.init(root)
    existing = sum(1 for _ in studio.renders.glob("*.png"))
    if existing >= count:
        add_big_render(studio)
        return studio
    for kind in ("contents", "styles"):
        for image in sorted((REPO / "samples" / kind).iterdir()):
            if image.suffix in (".png", ".jpg"):
                (studio.root / kind / image.name).write_bytes(image.read_bytes())
    contents, styles = sorted(studio.contents.iterdir()), sorted(studio.styles.iterdir())
    refs = {p: ImageRef.of(studio.relative(p), base=studio.root) for p in [*contents, *styles]}
    tints = [(255, 190, 150), (150, 200, 255), (200, 255, 160), (255, 240, 140)]
    pictures = {
        (c, s): ImageOps.colorize(
            ImageOps.grayscale(Image.open(c).convert("RGB")).resize((256, 192)),
            black=(20, 20, 40), white=tints[i],
        )
        for c in contents
        for i, s in enumerate(styles)
    }  # fmt: skip
    started = time.perf_counter()
    for index in range(existing, count):
        content, style = contents[index % 4], styles[(index // 4) % 4]
        spec = RenderSpec(refs[content], (refs[style],), RenderSettings(image_size=256, seed=index))
        name = f"{content.stem}__{style.stem}__{spec.job_id()}.png"
        picture = pictures[(content, style)]
        sidecar = {
            "job_id": spec.job_id(), "created": "2026-10-01T00:00:00+00:00",
            "spec": spec.to_dict(), "seconds": 60.0, "size": list(picture.size),
            "losses": {"total": 1e6},
        }  # fmt: skip
        (studio.renders / name).with_suffix(".json").write_text(json.dumps(sidecar))
        picture.save(studio.renders / name, compress_level=1)
        os.utime(studio.renders / name, (1_790_000_000 + index, 1_790_000_000 + index))
    print(f"made {count - existing} renders in {time.perf_counter() - started:.0f} s", flush=True)
    add_big_render(studio)
    return studio


def visible_tiles(app: CuratorApp):
    return app.screen.query_one(ContactSheet).visible_tiles()


async def wait_for(pilot, predicate, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if predicate():
            return time.perf_counter() - started
        await asyncio.sleep(0.005)
    raise TimeoutError


async def measure(studio: Studio, keys: int, sheet_only: bool = False) -> dict[str, float]:
    results: dict[str, float] = {}
    started = time.perf_counter()
    app = CuratorApp(StudioService(studio), watch=True, background_work=False)
    # Every screen update handed to the display, timed: "painted" means a display after the
    # state in question, not the state alone (the sheet plans its tiles before it paints them).
    displays: list[float] = []
    original = app._display

    def display_hook(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            displays.append(time.perf_counter())
        return original(screen, renderable)

    app._display = display_hook  # type: ignore[method-assign]

    async def painted_after(predicate) -> float:  # type: ignore[no-untyped-def]
        """When the screen was first displayed after `predicate` became true (the last poll
        that found it false bounds that moment from below, to within one 5 ms poll)."""
        mark = time.perf_counter()
        while not predicate():
            mark = time.perf_counter()
            await asyncio.sleep(0.005)
        await wait_for(pilot, lambda: any(t >= mark for t in displays))
        return next(t for t in displays if t >= mark)

    async with app.run_test(size=SIZE) as pilot:
        shown_at = await painted_after(
            lambda: bool(app.screen.query(ContactSheet)) and visible_tiles(app)
        )
        results["first_paint_s"] = shown_at - started
        shown_at = await painted_after(
            lambda: all(isinstance(t.thumb, Image.Image) for t in visible_tiles(app))
        )
        results["thumbnails_shown_s"] = shown_at - started
        grid = app.screen.query_one(ContactSheet)
        if grid._painter is not None and grid._painter.kind == "sixel":
            # The sheet is drawn without waiting for its sixel pictures: when the last of the
            # first screen's pictures (of the tiles wholly on screen) was on screen too.
            def pictures_made() -> bool:
                painter = grid._painter
                assert painter is not None
                for tile in visible_tiles(app):
                    overlay = grid._paint(tile.index).overlay
                    if overlay is None or tile.region.height < grid.tile.height:
                        continue
                    whole = Region(0, 0, overlay.width, overlay.height)
                    if ("sixel", overlay.key, whole) not in painter._made:
                        return False
                return not grid._waiting

            shown_at = await painted_after(pictures_made)
            results["sixel_pictures_shown_s"] = shown_at - started
        results["renders"] = len(grid.items)

        async def latencies(sequence: list[str], fresh: bool = False) -> list[float]:
            times = []
            for key in sequence:
                await asyncio.sleep(0.03)  # let the previous key's effects settle
                if fresh:  # every view made anew: no view seen before is drawn from a cache
                    pictures.forget_views()
                mark = len(displays)
                character = key if len(key) == 1 else None
                t0 = time.perf_counter()
                app.post_message(events.Key(key, character))
                await wait_for(pilot, lambda mark=mark: len(displays) > mark, timeout=5)
                times.append((displays[mark] - t0) * 1000)
            return times

        await pilot.press("5")  # a known rating, so that every key below changes it
        rate = await latencies([str(n % 6) for n in range(keys)])
        moves = ["right", "right", "down", "left", "down", "pagedown", "up", "up"]
        move = await latencies(moves * (keys // len(moves)))
        for name, values in (("rating", rate), ("moving", move)):
            ordered = sorted(values)
            results[f"{name}_p50_ms"] = statistics.median(ordered)
            results[f"{name}_p95_ms"] = ordered[int(0.95 * (len(ordered) - 1))]
        results["rss_mb"] = rss_mb()  # the sheet alone, as recorded before
        if sheet_only:
            return results
        # Tile sizes: + and - until the screen shows the new layout.
        sizes = await latencies(["minus", "plus"] * max(2, keys // 20))
        results["tile_size_p95_ms"] = sorted(sizes)[int(0.95 * (len(sizes) - 1))]
        results["tile_size_p50_ms"] = statistics.median(sizes)
        # Stacks: T on, then t opens and closes the stack under the cursor.
        await pilot.press("home")
        stacks_on = await latencies(["T"])
        results["stacks_on_ms"] = stacks_on[0]
        results["stacks"] = len(grid.items)
        toggles = await latencies(["t"] * max(4, keys // 10))
        ordered = sorted(toggles)
        results["stack_open_close_p50_ms"] = statistics.median(ordered)
        results["stack_open_close_p95_ms"] = ordered[int(0.95 * (len(ordered) - 1))]
        await latencies(["T"])
        # The loupe on a 2048 px render: zoom toggles and pan steps, key to painted screen.
        big = next(i for i, row in enumerate(grid.items) if row.file == BIG)
        grid.go_to(big)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "_render_image", None) is not None)
        await asyncio.sleep(0.3)
        zooms = await latencies(["z"] * max(4, keys // 10), fresh=True)
        await pilot.press("z")  # at 100%
        pans = await latencies(["L", "L", "J", "H", "H", "K"] * max(1, keys // 30), fresh=True)
        # A pan step after a rest: while a zoomed view is looked at, the views a pan step away
        # are made ahead (sixel: with the blocks each step uncovers); wait for them, then pan.
        render_picture = app.screen.query_one("#render")
        rested = []
        for key in ["L", "H"] * max(2, keys // 40):
            await wait_for(
                pilot,
                lambda: render_picture.pans_made_for is render_picture._last_view,
                timeout=10,
            )
            rested += await latencies([key])
        results["pan_after_rest_p50_ms"] = statistics.median(rested)
        results["pan_after_rest_max_ms"] = max(rested)
        # z after a rest: while the render is fitted its 100% view is made ahead (another
        # render and back, views forgotten, then wait for the one made ahead).
        await pilot.press("z")  # back to fit
        loupe = app.screen
        big_id = loupe.row.id
        ahead = []
        away, back = ("right", "left") if loupe.index + 1 < len(loupe.rows) else ("left", "right")
        for _ in range(max(3, keys // 20)):
            pictures.forget_views()
            await pilot.press(away)
            await wait_for(pilot, lambda: loupe.row.id != big_id)
            await pilot.press(back)
            await wait_for(
                pilot,
                lambda: any(BIG in k[0][0][1] and k[2] == 1.0 for k in pictures._VIEWS),
            )
            ahead += await latencies(["z"])
            await pilot.press("z")
        results["zoom_after_rest_p50_ms"] = statistics.median(ahead)
        results["zoom_after_rest_max_ms"] = max(ahead)
        for name, values in (("zoom_toggle", zooms), ("pan_step", pans)):
            ordered = sorted(values)
            results[f"{name}_p50_ms"] = statistics.median(ordered)
            results[f"{name}_p95_ms"] = ordered[int(0.95 * (len(ordered) - 1))]
        await pilot.press("escape")
        # A render lands (renamed into place, as the loop does): time until its tile shows it.
        await pilot.press("home")
        before = len(grid.items)
        source = next(studio.renders.glob("*.png"))
        landed_at = []
        for attempt in range(5):
            name = f"zz-new__landing__{attempt:012d}.png"
            tmp = studio.renders / f".{name}.tmp-1"
            tmp.write_bytes(source.read_bytes())
            sidecar = json.loads(source.with_suffix(".json").read_text())
            sidecar["created"] = f"2027-01-01T00:00:0{attempt}+00:00"
            (studio.renders / name).with_suffix(".json").write_text(json.dumps(sidecar))
            t0 = time.perf_counter()
            os.replace(tmp, studio.renders / name)

            def shown(name: str = name) -> bool:
                return any(
                    t.row.file == name and isinstance(t.thumb, Image.Image)
                    for t in visible_tiles(app)
                )

            await wait_for(pilot, shown, timeout=10)
            landed_at.append(time.perf_counter() - t0)
        assert len(grid.items) == before + 5
        results["new_render_to_tile_s_median"] = statistics.median(landed_at)
        results["new_render_to_tile_s_max"] = max(landed_at)
        results["rss_after_loupe_mb"] = rss_mb()
    for path in studio.renders.glob("zz-new__*"):
        path.unlink()
    with Catalog(studio) as catalog:
        catalog.scan()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10_000)
    parser.add_argument("--studio", type=Path, default=Path("/tmp/bench-app-studio"))
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument(
        "--graphics", choices=("halfcell", "sixel"), default="halfcell",
        help="sixel: the app's own work for sixel pictures (encoding included), not xterm's",
    )  # fmt: skip
    args = parser.parse_args()
    graphics.choose(args.graphics)
    studio = build_studio(args.studio, args.renders)
    # Warm: the catalog scanned and the first screen's thumbnails on disk.
    with Catalog(studio) as catalog:
        started = time.perf_counter()
        changed, gone, _ = catalog.scan()
        print(f"catalog scan: {changed} new, {gone} gone in {time.perf_counter() - started:.1f} s")
    # Warms the disk thumbnail cache. The sheet alone, as the first bench did: a warm-up through
    # the loupe left its 2048 px render's memory to this process (some 50 to 100 MB that the
    # allocator keeps), which the sheet's resident memory below then counted.
    asyncio.run(measure(studio, 14, sheet_only=True))
    gc.collect()
    results = asyncio.run(measure(studio, args.keys))
    print(
        f"\n# curator app, {date.today()}, {results.pop('renders'):.0f} renders, "
        f"{SIZE[0]}x{SIZE[1]} cells, {args.graphics} pictures, warm cache"
    )
    for key, value in results.items():
        print(f"{key}: {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
