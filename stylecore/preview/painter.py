"""The preview network as the painter of a Gatys render's starting image (`init = "preview"`).

A render that starts from the preview's stylisation of the same content and styles begins
with the style's colours and strokes already in place, instead of the photo (or noise), for
the cost of one network pass (about 0.2 s). The Gatys engine takes this as an `InitPainter`
and never imports the preview; the loops and the command line wire the two together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PIL import Image

from stylecore.preview.engine import PreviewEngine
from stylecore.rendering import RenderEngine, RenderRequest


class PreviewPainter:
    """An `InitPainter`: the preview of a request at a given longest side.

    `engine`: a function giving the preview engine to use (a loop shares the one it renders
    previews with); without it, one is loaded on the first call, so a renderer that never
    meets `init = "preview"` never loads the preview networks.
    """

    def __init__(self, device: str = "auto", engine: Callable[[], RenderEngine] | None = None):
        self.device = device
        self._engine = engine
        self._own: PreviewEngine | None = None

    def __call__(self, request: RenderRequest, size: int) -> Image.Image:
        if self._engine is not None:
            engine = self._engine()
        else:
            if self._own is None:
                self._own = PreviewEngine(self.device)
            engine = self._own
        settings = request.settings.replace(image_size=size, init="content", init_noise=0)
        outcome = engine.render_batch([replace(request, settings=settings, init_image=None)])
        return outcome[0].image
