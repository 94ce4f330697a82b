"""`make demo`: render every bundled content x style pair, small, and say where they are."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .engine import Renderer
from .errors import StyleCoreError
from .output import write_render
from .settings import RenderSettings
from .spec import ImageRef, RenderSpec

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "demo-output")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    console = Console()
    contents = sorted((SAMPLES / "contents").iterdir())
    styles = sorted((SAMPLES / "styles").iterdir())
    settings = RenderSettings(image_size=args.size, num_iterations=args.iterations)
    renderer = Renderer(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    console.print(
        f"Rendering {len(contents)} photos x {len(styles)} paintings at {args.size} px, "
        f"{args.iterations} L-BFGS steps each, on {renderer.device}"
    )
    started = time.perf_counter()
    columns = (TextColumn("{task.description:<40}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        overall = progress.add_task("all renders", total=len(contents) * len(styles))
        for content in contents:
            for style in styles:
                name = f"{content.stem}__{style.stem}"
                task = progress.add_task(name, total=settings.total_iterations())
                spec = RenderSpec(ImageRef.of(content), (ImageRef.of(style),), settings)
                try:
                    result = renderer.render(
                        spec.request(),
                        lambda p, task=task: progress.update(task, completed=p.iteration),
                    )
                except StyleCoreError as exc:
                    console.print(f"[red]skipped {name}: {exc}")
                    continue
                finally:
                    progress.remove_task(task)
                write_render(result.image, args.out / f"{name}.png", spec, result.sidecar())
                progress.advance(overall)
    seconds = time.perf_counter() - started
    console.print(f"Done in {seconds:.0f} s. Renders and their JSON sidecars are in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
