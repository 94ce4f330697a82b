"""What the engine is asked to render, as plain data (no torch: the queue and the app use it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import SettingsError
from .settings import RenderSettings


@dataclass(frozen=True)
class StyleInput:
    """One style image of a render and its blend weight (weights are normalised to sum 1)."""

    path: Path
    weight: float = 1.0


@dataclass(frozen=True)
class RenderRequest:
    """One render: a content image, one or more styles, the settings, an optional init image."""

    content: Path
    styles: tuple[StyleInput, ...]
    settings: RenderSettings
    init_image: Path | None = None
    key: str = ""

    def __post_init__(self) -> None:
        if not self.styles:
            raise SettingsError("a render needs at least one style image")
        if any(s.weight < 0 for s in self.styles) or sum(s.weight for s in self.styles) <= 0:
            raise SettingsError("style blend weights must be >= 0 and not all 0")
        if self.settings.init == "image" and self.init_image is None:
            raise SettingsError("init 'image' needs an init image")
