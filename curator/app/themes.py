"""Colour themes as data files: themes/*.toml, loaded at start, shown in the theme picker."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from textual.theme import Theme

from stylecore.errors import StyleCoreError


def themes_dir() -> Path:
    """themes/ beside the package (a checkout), else where a wheel installed them."""
    checkout = Path(__file__).resolve().parents[2] / "themes"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "style-curator" / "themes"


THEMES_DIR = themes_dir()
DEFAULT_THEME = "darkroom"
_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost",
)  # fmt: skip


def load_theme(path: Path) -> Theme:
    """One theme file; a broken one is an error naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Theme(
            name=str(data.get("name", path.stem)),
            dark=bool(data.get("dark", True)),
            luminosity_spread=float(data.get("luminosity_spread", 0.15)),
            text_alpha=float(data.get("text_alpha", 0.95)),
            variables={str(k): str(v) for k, v in data.get("variables", {}).items()},
            **{key: str(data[key]) for key in _FIELDS if key in data},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise StyleCoreError(f"{path}: not a usable theme ({exc})") from None


def load_themes(folder: Path = THEMES_DIR) -> list[Theme]:
    return [load_theme(path) for path in sorted(folder.glob("*.toml"))]
