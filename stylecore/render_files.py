"""Writing a finished render: the PNG (spec in a text chunk) and its JSON sidecar, atomically.

The sidecar is renamed into place before the PNG, so whoever sees the PNG finds its sidecar.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from stylecore.files import write_bytes_atomic, write_text_atomic
from stylecore.images import PNG_SPEC_KEY, save_png_atomic
from stylecore.spec import RenderSpec


def sidecar_path(png: str | Path) -> Path:
    """`render.png` -> `render.json`."""
    return Path(png).with_suffix(".json")


def spec_chunk(spec: RenderSpec) -> dict[str, str]:
    """The PNG text chunk a render carries: its job id and full spec."""
    chunk = json.dumps({"job_id": spec.job_id(), "spec": spec.to_dict()}, separators=(",", ":"))
    return {PNG_SPEC_KEY: chunk}


def encode_render(image: Image.Image, spec: RenderSpec) -> bytes:
    """The render as PNG bytes with its spec chunk (what a cluster actor sends back)."""
    info = PngImagePlugin.PngInfo()
    for key, value in spec_chunk(spec).items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _write_sidecar(png: Path, spec: RenderSpec, record: dict[str, Any]) -> None:
    sidecar = {
        "job_id": spec.job_id(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec.to_dict(),
        **record,
    }
    write_text_atomic(sidecar_path(png), json.dumps(sidecar, indent=2) + "\n")


def write_render(
    image: Image.Image,
    png: str | Path,
    spec: RenderSpec,
    record: dict[str, Any],
) -> Path:
    """Write `png` and its sidecar; `record` is what the engine measured (see RenderResult)."""
    png = Path(png)
    _write_sidecar(png, spec, record)
    try:
        save_png_atomic(image, png, spec_chunk(spec))
    except BaseException:
        if not png.exists():  # no half of a render stays visible: no sidecar without its PNG
            sidecar_path(png).unlink(missing_ok=True)
        raise
    return png


def write_render_bytes(
    data: bytes, png: str | Path, spec: RenderSpec, record: dict[str, Any]
) -> Path:
    """As write_render, for a render that arrives already encoded (from a cluster actor)."""
    png = Path(png)
    _write_sidecar(png, spec, record)
    try:
        write_bytes_atomic(png, data)
    except BaseException:
        if not png.exists():
            sidecar_path(png).unlink(missing_ok=True)
        raise
    return png
