"""Which textual-image widget draws pixels: kitty graphics, sixel, half cells, or none.

textual-image probes the terminal when it is imported, and that only works before Textual
owns the terminal: `choose` must run before `App.run()`. Tests choose "halfcell", which needs
no terminal at all.
"""

from __future__ import annotations

from typing import Any

MODES = ("auto", "kitty", "sixel", "halfcell", "none")

_chosen: dict[str, Any] = {}


def choose(mode: str = "auto") -> type[Any] | None:
    """The image widget class for `mode` (None for "none"); imports textual-image once."""
    if mode not in MODES:
        raise ValueError(f"graphics must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "none":
        _chosen["class"] = None
        _chosen["mode"] = mode
        return None
    from textual_image import widget

    classes = {
        "auto": widget.Image,
        "kitty": widget.TGPImage,
        "sixel": widget.SixelImage,
        "halfcell": widget.HalfcellImage,
    }
    _chosen["class"] = classes[mode]
    _chosen["mode"] = mode
    return classes[mode]


def image_class() -> type[Any] | None:
    """The chosen class; half cells if nothing was chosen (as in tests)."""
    if "class" not in _chosen:
        choose("halfcell")
    return _chosen["class"]


def mode() -> str:
    image_class()
    return str(_chosen["mode"])


def describe() -> str:
    cls = image_class()
    return "none" if cls is None else cls.__name__
