"""The studio folder: where photos, paintings, renders and state live, and its studio.toml.

my-studio/
  studio.toml        optional settings: render presets, defaults
  contents/          photos to be styled
  styles/            style images
  renders/           the render loop's output: one PNG + one JSON sidecar per render
  exports/           what export writes
  .curator/          state: studio.db (SQLite, WAL), thumbs/ (cache), logs/
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError, StyleCoreError
from stylecore.settings import RenderSettings

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")

DEFAULT_TOML = """\
# style-curator studio settings. Every key of a preset is a render setting
# (see `stylecore render --help`: image_size, num_iterations, style_weight, ...).

[defaults]
preset = "final"      # what `curator queue add` uses without --preset
device = "auto"       # what `curator render` uses without --device
# max_image_megapixels = 300   # larger photos are refused (a guard against decompression bombs)

[export]              # what `curator export` and the app's export dialog start from
# base = "painterly"  # or "none": a flattened, posterised copy of the photo above it
# base_colours = 24   # the base's colours
# base_brush = 0.005  # the base's brush: its smoothing radius, a share of the longest side
# order = "detail"    # or "rating": renders broad at the bottom to detailed on top
# masks = "top"       # or "subject": detailed renders revealed on the subject
# upscale = "lanczos" # or "waifu2x" (pip install 'style-curator[upscale]')

[presets.preview]     # a quick look: 256 px
image_size = 256
num_iterations = 200

[presets.final]       # neural-style's usual size; from the preview's start, 100 steps
image_size = 512      # beat neural-style's 300 (bench/RESULTS.md, "Time to quality")
num_iterations = 100

[presets.print]       # 1024 px x 100 steps from the preview's start (from the content,
                      # 512 px x 100 first: coarse-to-fine)
image_size = 1024
num_iterations = 100
# neural-style's own run: init = "random" (or "content"), scales = "single",
# chroma_tv_weight = 0 and lbfgs_history = 100
"""

BUILTIN_PRESETS: dict[str, dict[str, Any]] = {
    "preview": {"image_size": 256, "num_iterations": 200},
    "final": {"image_size": 512, "num_iterations": 100},
    "print": {"image_size": 1024, "num_iterations": 100},
}


def list_images(folder: Path) -> list[Path]:
    """Image files directly in `folder`, sorted by name; hidden files skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


class StudioError(StyleCoreError):
    """A studio folder or studio.toml that cannot be used."""


#: Photos above this many megapixels are refused unless studio.toml raises the limit.
DEFAULT_MAX_MEGAPIXELS = 300.0


@dataclass
class StudioConfig:
    presets: dict[str, RenderSettings] = field(default_factory=dict)
    default_preset: str = "final"
    device: str = "auto"
    max_image_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    #: The contact sheet's tile size when the app opens (one of TILE_SIZES).
    tile_size: str = "medium"
    #: [export]'s keys that studio.toml sets (the export's defaults fill the rest).
    export: dict[str, Any] = field(default_factory=dict)

    def preset(self, name: str | None) -> RenderSettings:
        name = name or self.default_preset
        if name not in self.presets:
            known = ", ".join(sorted(self.presets))
            raise SettingsError(f"unknown preset {name!r}; this studio has: {known}")
        return self.presets[name]


def _line_of(text: str, table: str, key: str | None = None) -> int | None:
    """Best-effort line number of `key` inside `[table]` (or of the header), for messages;
    None when it cannot be found (a dotted key, an inline table)."""
    lines = text.splitlines()
    name = re.escape(table).replace(r"\.", r"\s*\.\s*")
    header = re.compile(r"^\s*\[\s*" + name + r"\s*\]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:  # [table.sub] names the table too
        sub_header = re.compile(r"^\s*\[\s*" + name + r"\s*\.")
        start = next((i for i, line in enumerate(lines) if sub_header.match(line)), None)
        key = None
    if start is None:
        return None
    if key is None:
        return start + 1
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for index in range(start + 1, len(lines)):
        if lines[index].lstrip().startswith("["):
            break
        if pattern.match(lines[index]):
            return index + 1
    return start + 1


def _where(path: Path, text: str, table: str, key: str | None = None) -> str:
    """`FILE: line N` when the line is known, else `FILE`."""
    line = _line_of(text, table, key)
    return f"{path}: line {line}" if line else str(path)


#: The keys [defaults] may hold, each with a check of its value.
DEFAULT_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "preset": (str, "a preset's name"),
    "device": (str, "auto, cpu, cuda, cuda:N or mps"),
    "max_image_megapixels": ((int, float), "a number of megapixels, e.g. 300"),
    "tile_size": (str, "tiny, small, medium, large, huge or half"),
}
#: The contact sheet's tile sizes, smallest first (the app's + and - step through them).
TILE_SIZES = ("tiny", "small", "medium", "large", "huge", "half")
#: The tables studio.toml may hold.
TABLES = ("defaults", "presets", "export")
#: [export]: what `curator export` and the app's export dialog start from. The choices are
#: the export's own (curator.export takes them from here, so the two cannot drift).
EXPORT_CHOICES: dict[str, tuple[str, ...]] = {
    "base": ("painterly", "none"),
    "order": ("detail", "rating"),
    "masks": ("top", "subject"),
    "upscale": ("lanczos", "waifu2x"),
}
#: [export]'s numeric keys: the painterly base's colours and brush (the Kuwahara radius as a
#: share of the photo's longest side), with their ranges.
EXPORT_NUMBERS: dict[str, tuple[float, float, str]] = {
    "base_colours": (2, 256, "a whole number of colours from 2 to 256, e.g. 24"),
    "base_brush": (0.001, 0.05, "a share of the photo's longest side, 0.001 to 0.05, e.g. 0.005"),
}


def load_config(path: Path) -> StudioConfig:
    """Parse studio.toml; every problem is an error naming the file and, where it can, the
    line: a broken file, an unknown table or key (a misspelt `presett` must not silently fall
    back to the default), a value out of range."""
    presets = {name: RenderSettings.from_dict(values) for name, values in BUILTIN_PRESETS.items()}
    if not path.exists():
        return StudioConfig(presets=presets)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise StudioError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudioError(f"{path}: {exc}") from None
    for table, value in data.items():
        if table not in TABLES:
            known = ", ".join(f"[{t}]" for t in TABLES)
            where = _where(path, text, table) if isinstance(value, dict) else str(path)
            raise StudioError(f"{where}: unknown table or key {table!r}; studio.toml has {known}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise StudioError(f"{_where(path, text, 'defaults')}: [defaults] must be a table")
    for key, value in defaults.items():
        if key not in DEFAULT_KEYS:
            known = ", ".join(DEFAULT_KEYS)
            raise StudioError(
                f"{_where(path, text, 'defaults', key)}: unknown key {key!r} in [defaults]; "
                f"it takes {known}"
            )
        kind, meaning = DEFAULT_KEYS[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise StudioError(
                f"{_where(path, text, 'defaults', key)}: [defaults] {key} must be {meaning}"
            )
    megapixels = float(defaults.get("max_image_megapixels", DEFAULT_MAX_MEGAPIXELS))
    if not math.isfinite(megapixels) or megapixels <= 0:
        raise StudioError(
            f"{_where(path, text, 'defaults', 'max_image_megapixels')}: [defaults] "
            "max_image_megapixels must be a number above 0"
        )
    preset_tables = data.get("presets") or {}
    if not isinstance(preset_tables, dict):
        raise StudioError(f"{_where(path, text, 'presets')}: [presets] must hold tables")
    for name, values in preset_tables.items():
        if not isinstance(values, dict):
            where = _where(path, text, "presets", name)
            raise StudioError(f"{where}: preset {name!r} must be a table of settings")
        try:
            for key in values:
                RenderSettings().replace(**{key: values[key]})
            presets[name] = RenderSettings.from_dict(values)
        except SettingsError as exc:
            bad = next((k for k in values if k in str(exc)), None)
            raise StudioError(
                f"{_where(path, text, f'presets.{name}', bad)}: [presets.{name}] {exc}"
            ) from None
    export = _export_table(path, text, data.get("export", {}))
    config = StudioConfig(
        export=export,
        presets=presets,
        default_preset=str(defaults.get("preset", "final")),
        device=str(defaults.get("device", "auto")),
        max_image_megapixels=megapixels,
        tile_size=str(defaults.get("tile_size", "medium")),
    )
    if config.tile_size not in TILE_SIZES:
        raise StudioError(
            f"{_where(path, text, 'defaults', 'tile_size')}: [defaults] tile_size must be "
            f"one of {', '.join(TILE_SIZES)}"
        )
    if config.default_preset not in presets:
        raise StudioError(
            f"{_where(path, text, 'defaults', 'preset')}: default preset "
            f"{config.default_preset!r} is not defined"
        )
    return config


def _export_table(path: Path, text: str, table: Any) -> dict[str, Any]:
    """[export], checked: known keys, choices and ranges; each problem names its line."""
    if not isinstance(table, dict):
        raise StudioError(f"{_where(path, text, 'export')}: [export] must be a table")
    for key, value in table.items():
        where = _where(path, text, "export", key)
        if key in EXPORT_CHOICES:
            if value not in EXPORT_CHOICES[key]:
                raise StudioError(
                    f"{where}: [export] {key} must be one of {', '.join(EXPORT_CHOICES[key])}"
                )
        elif key in EXPORT_NUMBERS:
            low, high, meaning = EXPORT_NUMBERS[key]
            number = value if isinstance(value, (int, float)) else None
            if key == "base_colours" and not isinstance(value, int):
                number = None
            if number is None or isinstance(value, bool) or not low <= number <= high:
                raise StudioError(f"{where}: [export] {key} must be {meaning}")
        else:
            known = ", ".join([*EXPORT_CHOICES, *EXPORT_NUMBERS])
            raise StudioError(f"{where}: unknown key {key!r} in [export]; it takes {known}")
    return dict(table)


class Studio:
    """One studio folder. `Studio.init` creates it; `Studio.open` requires it to exist."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.contents = self.root / "contents"
        self.styles = self.root / "styles"
        self.renders = self.root / "renders"
        self.exports = self.root / "exports"
        self.state = self.root / ".curator"
        self.db_path = self.state / "studio.db"
        self.thumbs = self.state / "thumbs"
        self.logs = self.state / "logs"
        self.toml = self.root / "studio.toml"
        self._config: StudioConfig | None = None

    @classmethod
    def init(cls, root: str | Path) -> Studio:
        """Create the folders and a commented studio.toml; safe to run again."""
        studio = cls(Path(root))
        if studio.root.exists() and not studio.root.is_dir():
            raise StudioError(f"{studio.root}: exists and is not a folder")
        for folder in (
            studio.contents, studio.styles, studio.renders, studio.exports,
            studio.state, studio.thumbs, studio.logs,
        ):  # fmt: skip
            folder.mkdir(parents=True, exist_ok=True)
        if not studio.toml.exists():
            studio.toml.write_text(DEFAULT_TOML, encoding="utf-8")
        studio.config  # noqa: B018 - validate an existing studio.toml now
        return studio

    @classmethod
    def open(cls, root: str | Path = ".") -> Studio:
        studio = cls(Path(root))
        if not studio.root.is_dir():
            raise StudioError(f"{studio.root}: no such folder")
        if not studio.state.is_dir() and not studio.toml.exists():
            raise StudioError(
                f"{studio.root}: not a studio (no .curator/ or studio.toml); "
                f"run 'curator init {root}' first"
            )
        for folder in (studio.renders, studio.state, studio.logs, studio.thumbs):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:  # a read-only studio (or a full disk): reading still works
                break
        return studio

    @property
    def config(self) -> StudioConfig:
        if self._config is None:
            self._config = load_config(self.toml)
        return self._config

    def relative(self, path: str | os.PathLike[str]) -> str:
        """A path as stored in specs: studio-relative when inside the studio, else absolute."""
        full = Path(path).resolve()
        try:
            return full.relative_to(self.root).as_posix()
        except ValueError:
            return str(full)

    def resolve(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.root / path
