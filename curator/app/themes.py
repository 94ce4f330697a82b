"""Colour themes as data files: curator/themes/*.toml (package data, read through
importlib.resources), loaded at start and shown in the theme picker."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from textual.theme import Theme

from stylecore.errors import StyleCoreError

#: Where the theme files ship: the curator.themes package's data.
THEMES = files("curator.themes")
DEFAULT_THEME = "darkroom"
_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost",
)  # fmt: skip


def load_theme(path: Traversable) -> Theme:
    """One theme file; a broken one is an error naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Theme(
            name=str(data.get("name", path.name.removesuffix(".toml"))),
            dark=bool(data.get("dark", True)),
            luminosity_spread=float(data.get("luminosity_spread", 0.15)),
            text_alpha=float(data.get("text_alpha", 0.95)),
            variables={str(k): str(v) for k, v in data.get("variables", {}).items()},
            **_colours(data),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise StyleCoreError(f"{path}: not a usable theme ({exc})") from None


def _colours(data: dict[str, Any]) -> dict[str, Any]:
    """The theme's named colours (primary, background...), as Theme's keywords."""
    return {key: str(data[key]) for key in _FIELDS if key in data}


def load_themes(folder: Traversable = THEMES) -> list[Theme]:
    """Every *.toml theme in `folder`, by file name."""
    found = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda i: i.name
    )
    return [load_theme(item) for item in found]
