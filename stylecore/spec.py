"""A render's full specification and its stable id.

A spec names its images by path and by a hash of their bytes. The id hashes only what decides
the pixels (the engine, the image hashes, the normalised blend weights and the settings), so
the same job queued twice, or from a renamed file, gets the same id, and a render's id names
the job that made it. A render's PNG and sidecar carry the spec, so a render alone is enough
to rerun it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylecore.errors import ImageError, SettingsError
from stylecore.rendering import RenderRequest, StyleInput
from stylecore.settings import RenderSettings

ENGINES = ("gatys", "preview")
_DEFAULTS = RenderSettings().to_dict()
ID_LENGTH = 12


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except IsADirectoryError:
        raise ImageError(path, "is a folder, not an image") from None
    except OSError as exc:
        raise ImageError(path, f"cannot read ({exc.strerror})") from None
    return digest.hexdigest()


@dataclass(frozen=True)
class ImageRef:
    """An input image: its path (absolute, or relative to a studio) and the hash of its bytes."""

    path: str
    sha256: str
    weight: float = 1.0

    @classmethod
    def of(cls, path: str | Path, weight: float = 1.0, base: Path | None = None) -> ImageRef:
        full = Path(path) if base is None else base / path
        return cls(str(path), file_sha256(full), float(weight))

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "weight": self.weight}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageRef:
        return cls(str(data["path"]), str(data["sha256"]), float(data.get("weight", 1.0)))


@dataclass(frozen=True)
class RenderSpec:
    content: ImageRef
    styles: tuple[ImageRef, ...]
    settings: RenderSettings = field(default_factory=RenderSettings)
    init_image: ImageRef | None = None
    engine: str = "gatys"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise SettingsError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if not self.styles:
            raise SettingsError("a job needs at least one style image")
        total = sum(style.weight for style in self.styles)
        if total <= 0 or any(style.weight < 0 for style in self.styles):
            raise SettingsError("style blend weights must be >= 0 and not all 0")

    def identity(self) -> dict[str, Any]:
        """What decides the pixels, in a canonical form: no paths, weights normalised, and only
        the settings that differ from their defaults (so a setting added in a later version, at
        its default, leaves every existing job id as it was)."""
        total = sum(style.weight for style in self.styles)
        styles = sorted((style.sha256, round(style.weight / total, 6)) for style in self.styles)
        return {
            "engine": self.engine,
            "content": self.content.sha256,
            "styles": [list(item) for item in styles],
            "init_image": self.init_image.sha256 if self.init_image else None,
            "settings": {
                key: value
                for key, value in self.settings.to_dict().items()
                if value != _DEFAULTS[key]
            },
        }

    def job_id(self) -> str:
        canonical = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:ID_LENGTH]

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "content": self.content.to_dict(),
            "styles": [style.to_dict() for style in self.styles],
            "init_image": self.init_image.to_dict() if self.init_image else None,
            "settings": self.settings.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderSpec:
        try:
            init = data.get("init_image")
            return cls(
                content=ImageRef.from_dict(data["content"]),
                styles=tuple(ImageRef.from_dict(s) for s in data["styles"]),
                settings=RenderSettings.from_dict(data.get("settings", {})),
                init_image=ImageRef.from_dict(init) if init else None,
                engine=str(data.get("engine", "gatys")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(f"malformed render spec ({type(exc).__name__}: {exc})") from None

    def request(self, base: Path | None = None) -> RenderRequest:
        """The engine request, with paths resolved against `base` (a studio folder)."""

        def resolve(ref: ImageRef) -> Path:
            path = Path(ref.path)
            return path if base is None or path.is_absolute() else base / path

        return RenderRequest(
            content=resolve(self.content),
            styles=tuple(StyleInput(resolve(s), s.weight) for s in self.styles),
            settings=self.settings,
            init_image=resolve(self.init_image) if self.init_image else None,
            key=self.job_id(),
        )
