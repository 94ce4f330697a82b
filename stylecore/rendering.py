"""The contract between the render loops and the engines, as plain data and protocols.

What an engine is asked (`RenderRequest`: a content image, styles with blend weights, the
settings), what it reports while it works (`ProgressReport`) and what it hands back
(`RenderOutcome`), and what an engine is (`RenderEngine`). The Gatys engine and the preview
engine both implement it, so a loop drives either without knowing which. No torch here: the
queue and the app use these types too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from stylecore.errors import SettingsError
from stylecore.settings import RenderSettings

if TYPE_CHECKING:
    from PIL import Image


#: Paints the image a render starts from, for a request at a longest side in pixels (the
#: preview network's stylisation for `init = "preview"`). Engines that can start from a
#: painted image take one; the loops wire it, so the Gatys engine never imports the preview.
InitPainter = Callable[["RenderRequest", int], "Image.Image"]


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


class ProgressReport(Protocol):
    """What an engine reports after each step of a batch."""

    @property
    def iteration(self) -> int: ...

    @property
    def total(self) -> int: ...

    @property
    def losses(self) -> list[float]:
        """One loss per request of the batch (reading it may wait for the device)."""
        ...


ProgressCallback = Callable[[ProgressReport], None]


class RenderOutcome(Protocol):
    """A finished render: the picture and what its sidecar records about how it was made."""

    @property
    def request(self) -> RenderRequest: ...

    @property
    def image(self) -> Image.Image: ...

    @property
    def seconds(self) -> float: ...

    def sidecar(self) -> dict[str, Any]: ...


class RenderEngine(Protocol):
    """Renders batches of requests that share their content and settings, on one device."""

    def render_batch(
        self,
        requests: Sequence[RenderRequest],
        on_progress: ProgressCallback | None = None,
    ) -> Sequence[RenderOutcome]: ...
