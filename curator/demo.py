"""`make demo`: a studio made from the bundled samples, every pair queued, rendered, curated.

Creates ./demo-studio (or reuses it), copies the sample photos and paintings in, and queues
every content x style pair twice: first as a preview (the fast network, a fraction of a second
each, so the sheet is full of real stylisations within seconds), then at a preset that
finishes in a few minutes on a CPU (the `final` preset when CUDA is present). On a terminal, a
render loop starts in the background (at a lower CPU priority, so the app stays quick) and the
app opens at once: the contact sheet fills as renders land. Closing the app stops the loop (its job
goes back to the queue; `make demo` again carries on). Without a terminal (piped, CI), the loop
runs in the foreground until the queue is empty.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from stylecore.settings import RenderSettings

from .cli.render import RenderDisplay
from .service import StudioService
from .service.studio import APP_LOOP_NICENESS

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

#: The demo's previews: before every Gatys render, at the size the sheet's tiles need.
PREVIEW_PRIORITY = 10
PREVIEW_SIZE = 384

DEMO_PRESET = """
[presets.demo]        # small enough for a CPU: 16 renders in a few minutes
image_size = 128
num_iterations = 80
"""


def make_demo_studio(root: Path) -> StudioService:
    studio = StudioService.create(root)
    for kind in ("contents", "styles"):
        for image in StudioService.images_in(SAMPLES / kind):
            target = studio.root / kind / image.name
            if not target.exists():
                shutil.copy2(image, target)
    shutil.copy2(SAMPLES / "SOURCES.md", studio.root / "SOURCES.md")
    text = studio.toml.read_text(encoding="utf-8")
    if "[presets.demo]" not in text:
        studio.toml.write_text(text + DEMO_PRESET, encoding="utf-8")
    return StudioService.open(root, load_rows=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studio", type=Path, default=REPO / "demo-studio")
    parser.add_argument("--preset", help="default: demo on a CPU, final with CUDA")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-app", action="store_true", help="render in the foreground only")
    parser.add_argument("--graphics", default="auto", help="for the app: auto, sixel, halfcell...")
    args = parser.parse_args(argv)
    service = make_demo_studio(args.studio)
    studio = service.studio
    preset = args.preset or ("final" if torch.cuda.is_available() else "demo")
    previews = service.queue_pairs(
        service.contents(), service.styles(), engine="preview", priority=PREVIEW_PRIORITY,
        settings=RenderSettings(image_size=PREVIEW_SIZE, num_iterations=0),
    )  # fmt: skip
    result = service.queue_pairs(service.contents(), service.styles(), preset)
    print(f"demo studio: {studio.root}")
    print(f"{previews.describe('preview')}, first")
    print(f"{result.describe()}, preset {preset!r}")
    if sys.stdout.isatty() and sys.stdin.isatty() and not args.no_app:
        return run_with_app(service, args.device, args.graphics)
    display = RenderDisplay()
    with service:
        loop = service.render_loop(device=args.device, until_idle=True, on_event=display.handle)
        with display:
            loop.run()
    print(f"{loop.rendered} rendered, {loop.failed} failed.")
    print(f"Renders and their JSON sidecars are in {studio.renders}/")
    print(f"Open them with: curator {studio.root}")
    return 0


def run_with_app(service: StudioService, device: str, graphics_mode: str) -> int:
    """Start a render loop for the studio, open the app, stop the loop when the app closes."""
    from .app.app import run_app

    studio = service.studio
    log = open(studio.logs / "demo-loop.log", "ab")  # noqa: SIM115
    loop = subprocess.Popen(
        [sys.executable, "-m", "curator.cli", "render", str(studio.root), "--quiet",
         "--until-idle", "--device", device, "--nice", str(APP_LOOP_NICENESS)],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        service.reload()
        run_app(service, graphics_mode=graphics_mode)
    finally:
        if loop.poll() is None:
            with StudioService(studio, load_rows=False) as stopper:
                stopper.stop_loops()
            deadline = time.monotonic() + 30
            while loop.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if loop.poll() is None:
                loop.terminate()
        log.close()
    with StudioService(studio, load_rows=False) as after:
        counts = after.queue_summary().counts
    print(f"demo studio: {studio.root} ({counts['done']} rendered, {counts['queued']} queued)")
    if counts["queued"]:
        print("the render loop stopped with the app; `make demo` again carries on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
