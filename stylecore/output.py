"""Writing a finished render: the PNG (spec in a text chunk) and its JSON sidecar, atomically.

The sidecar is renamed into place before the PNG, so whoever sees the PNG finds its sidecar.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from .images import PNG_SPEC_KEY, save_png_atomic, write_text_atomic
from .spec import RenderSpec


def sidecar_path(png: str | Path) -> Path:
    """`render.png` -> `render.json`."""
    return Path(png).with_suffix(".json")


def write_render(
    image: Image.Image,
    png: str | Path,
    spec: RenderSpec,
    record: dict[str, Any],
) -> Path:
    """Write `png` and its sidecar; `record` is what the engine measured (see RenderResult)."""
    png = Path(png)
    job_id = spec.job_id()
    sidecar = {
        "job_id": job_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec.to_dict(),
        **record,
    }
    write_text_atomic(sidecar_path(png), json.dumps(sidecar, indent=2) + "\n")
    chunk = json.dumps({"job_id": job_id, "spec": spec.to_dict()}, separators=(",", ":"))
    save_png_atomic(image, png, {PNG_SPEC_KEY: chunk})
    return png
