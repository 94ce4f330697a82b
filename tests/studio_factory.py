"""Studios full of renders for the app's tests and benchmarks, made fast.

Renders here are small real PNGs with real sidecars, written by the same `write_render` the
render loop uses; their pixels are a tint of the content photo rather than an optimisation
(the app is under test, not the engine). Timestamps are fixed so snapshots do not drift.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from PIL import Image, ImageOps

from stylecore.render_files import write_render
from stylecore.settings import RenderSettings
from stylecore.spec import ImageRef, RenderSpec
from stylecore.studio.folder import Studio

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
BASE_TIME = 1_790_000_000  # 2026-09-21: renders are one minute apart from here


def make_studio(root: Path, renders: int = 12, size: int = 64) -> Studio:
    """A studio with the bundled samples and `renders` renders (content x style, seeds)."""
    studio = Studio.init(root)
    for kind in ("contents", "styles"):
        for image in sorted((SAMPLES / kind).iterdir()):
            if image.suffix.lower() in (".png", ".jpg"):
                shutil.copy(image, studio.root / kind / image.name)
    add_renders(studio, renders, size=size)
    return studio


def add_renders(
    studio: Studio, count: int, start: int = 0, size: int = 64, engine: str = "gatys"
) -> list[Path]:
    contents = sorted(studio.contents.iterdir())
    styles = sorted(studio.styles.iterdir())
    sources = {path: Image.open(path).convert("RGB") for path in contents}
    refs = {p: ImageRef.of(studio.relative(p), base=studio.root) for p in [*contents, *styles]}
    tints = [(255, 190, 150), (150, 200, 255), (200, 255, 160), (255, 240, 140)]
    written = []
    for index in range(start, start + count):
        content = contents[index % len(contents)]
        style_index = (index // len(contents)) % len(styles)
        style = styles[style_index]
        settings = RenderSettings(image_size=size, num_iterations=10, seed=index)
        spec = RenderSpec(refs[content], (refs[style],), settings, engine=engine)
        picture = ImageOps.colorize(
            ImageOps.grayscale(sources[content]).resize((size, size * 3 // 4)),
            black=(20, 20, 40),
            white=tints[style_index % len(tints)],
        )
        name = f"{content.stem}__{style.stem}__{spec.job_id()}.png"
        path = studio.renders / name
        record = {
            "seconds": 1.5 + index,
            "losses": {"total": 1e6 + index},
            "size": list(picture.size),
        }
        write_render(picture, path, spec, record)
        sidecar = path.with_suffix(".json")
        data = json.loads(sidecar.read_text())
        stamp = BASE_TIME + 60 * index
        data["created"] = _iso(stamp)
        sidecar.write_text(json.dumps(data))
        os.utime(path, (stamp, stamp))
        written.append(path)
    return written


def _iso(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
