"""Export picks for compositing: per content photo, the original, every chosen render resized
to the original's full resolution (so layers align pixel for pixel), a layered PSD and an
OpenRaster file (original at the bottom, best-rated on top), XMP sidecars with the ratings,
and a manifest saying what came from which job.

The export is planned first (every path it would write, checked to lie inside the destination
and, without `force`, to not exist yet), then carried out with progress reports. Originals and
renders are only read.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from PIL import Image

from stylecore.errors import StyleCoreError
from stylecore.files import UnsafeWrite, check_inside, write_bytes_atomic
from stylecore.images import load_rgb
from stylecore.naming import safe_stem
from stylecore.studio.folder import EXPORT_CHOICES, Studio, StudioConfig

from .catalog import RenderRow
from .painterly import PALETTE, RADIUS_SHARE
from .ratings import LABEL_BY_NAME
from .upscale import EXTRA_HINT, UpscaleCancelled, Waifu2x, lanczos, waifu2x_available

#: digiKam's pick labels: 0 none, 1 rejected, 2 pending, 3 accepted.
PICK_LABELS = {"": 0, "reject": 1, "pick": 3}
PROJECT_NS = "https://github.com/style-curator/ns/render/1.0/"
MANIFEST = "manifest.json"
#: Marks a manifest (and so the files it lists) as written by this tool.
TOOL = "style-curator export"

Progress = Callable[[int, int, str], None]


class ExportError(StyleCoreError):
    """An export that cannot go ahead (a conflict, a path outside the destination)."""


class ExportCancelled(ExportError):
    """The artist cancelled: the files written so far are whole and in the manifest."""


#: Base layer choices, render orders, mask modes and upscalers of an export (studio.toml's
#: [export] table is checked against the same lists).
BASES = EXPORT_CHOICES["base"]
ORDERS = EXPORT_CHOICES["order"]
MASKS = EXPORT_CHOICES["masks"]
UPSCALERS = EXPORT_CHOICES["upscale"]


@dataclass(frozen=True)
class ExportOptions:
    destination: Path
    psd: bool = True
    ora: bool = True
    xmp: bool = True
    force: bool = False
    #: "painterly": a flattened, posterised copy of the photo right above it, masked so the
    #: photo shows through on its detail; "none": no base layer.
    base: str = "painterly"
    #: "detail": broad renders at the bottom, detailed ones on top (the artists' stack);
    #: "rating": the best-rated on top.
    order: str = "detail"
    #: "top": the top render revealed (white mask), every other hidden (black), to be painted
    #: in; "subject": detailed renders revealed on the subject, broad ones around it.
    masks: str = "top"
    #: How renders are enlarged to the original's size: "lanczos" or "waifu2x" (the extra).
    upscale: str = "lanczos"
    #: The painterly base's colours and brush (Kuwahara radius / the longest side).
    base_colours: int = PALETTE
    base_brush: float = RADIUS_SHARE

    def __post_init__(self) -> None:
        for name, value, choices in (
            ("base", self.base, BASES), ("order", self.order, ORDERS),
            ("masks", self.masks, MASKS), ("upscale", self.upscale, UPSCALERS),
        ):  # fmt: skip
            if value not in choices:
                raise ExportError(f"--{name} {value!r}: choose one of {', '.join(choices)}")

    @classmethod
    def from_config(
        cls, config: StudioConfig, destination: Path, **overrides: Any
    ) -> ExportOptions:
        """The studio's [export] settings, then `overrides` (None values ignored) on top."""
        values: dict[str, Any] = dict(config.export)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(destination, **values)


@dataclass
class Layer:
    """One layer of the stack: its name, pixels (and their PNG), mask (white reveals; None:
    no mask), the group it sits in (None: at the top level), and its detail measure."""

    name: str
    image: Image.Image
    png: bytes
    mask: Image.Image | None = None
    group: str | None = None
    detail: float | None = None

    @property
    def hidden(self) -> bool:
        """Entirely masked out (a black mask): ORA, which has no masks, hides the layer."""
        return self.mask is not None and self.mask.getextrema() == (0, 0)


@dataclass
class ContentExport:
    """One content photo's folder: its original and the renders to layer over it."""

    content: str
    original: Path
    folder: Path
    renders: list[RenderRow]  # best-rated first
    files: list[Path] = field(default_factory=list)
    targets: dict[int, Path] = field(default_factory=dict)  # render id -> exported PNG


@dataclass
class ExportPlan:
    options: ExportOptions
    groups: list[ContentExport]
    #: Planned files that exist already and that no earlier export of ours wrote.
    existing: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [path for group in self.groups for path in group.files] + [self.manifest_path]

    @property
    def manifest_path(self) -> Path:
        return self.options.destination / MANIFEST


def default_choice(rows: Sequence[RenderRow]) -> list[RenderRow]:
    """What export takes when no filter is given: the keepers (picks, and 3 stars and up)."""
    return [row for row in rows if row.is_keeper]


def rank(row: RenderRow) -> tuple[int, int, float]:
    """Best first: picks, then stars, then newest."""
    return (0 if row.flag == "pick" else 1, -row.stars, -row.created)


def layer_name(row: RenderRow) -> str:
    """A unique layer name Photoshop's Mac Roman names can hold: plain ASCII, no star glyphs;
    the job id's start tells renders of the same style and rating apart (GIMP would otherwise
    append #1) and leads back to the job."""
    parts = [safe_stem(row.style_name, 40).replace("-", " ")]
    if row.stars:
        parts.append(f"{row.stars} star{'s' if row.stars > 1 else ''}")
    if row.flag == "pick":
        parts.append("pick")
    parts.append(f"({(row.job_id or safe_stem(row.file))[:6]})")
    return " ".join(parts)


def _inside(path: Path, root: Path) -> Path:
    """`path`, after checking that writing it stays inside `root`: hostile names cannot climb
    out, and no file or folder on the way may be a link leading elsewhere."""
    try:
        return check_inside(path, root)
    except UnsafeWrite as exc:
        raise ExportError(str(exc)) from None


def check_destination(studio: Studio, destination: Path) -> None:
    """Refuse a destination that is a file or a link, or inside the studio's own folders (an
    export is a copy for compositing); checked before anything else about an export."""
    if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
        raise ExportError(f"{destination}: exists and is not a folder")
    target = destination.resolve()
    for folder in (studio.renders, studio.contents, studio.styles, studio.state):
        if target == folder.resolve() or target.is_relative_to(folder.resolve()):
            raise ExportError(
                f"{destination}: is the studio's {folder.name}/ folder; export somewhere else, "
                f"e.g. {studio.exports / 'picks'}"
            )


def read_manifest(destination: Path) -> dict[str, Any] | None:
    """The manifest an earlier export left in `destination`, if it is one of ours."""
    path = destination / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == TOOL else None


def _ours(path: Path, destination: Path, previous: dict[str, Any] | None) -> bool:
    """Whether `path` is a file an earlier export wrote and nobody changed since: its size
    and modification time are what that export's manifest recorded."""
    if previous is None:
        return False
    if path == destination / MANIFEST:
        return True
    record = (previous.get("files") or {}).get(_relative(path, destination))
    if not isinstance(record, dict) or path.is_symlink():
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return record.get("bytes") == stat.st_size and record.get("mtime_ns") == stat.st_mtime_ns


def plan_export(
    studio: Studio, rows: Sequence[RenderRow], options: ExportOptions, *, check: bool = True
) -> ExportPlan:
    """Every file the export would write. Raises ExportError for a destination inside the
    studio, for any path that would leave the destination (links included) and, unless
    forced or `check` is off (a dry run), for files that exist and that no earlier export
    of ours wrote (an interrupted export resumes without --force)."""
    destination = options.destination
    check_destination(studio, destination)
    if options.upscale == "waifu2x" and not waifu2x_available():
        raise ExportError(f"--upscale waifu2x: {EXTRA_HINT}")
    by_content: dict[str, list[RenderRow]] = {}
    for row in rows:
        if row.content:
            by_content.setdefault(row.content, []).append(row)
    groups: list[ContentExport] = []
    used_folders: set[str] = set()
    for content, renders in sorted(by_content.items()):
        original = studio.resolve(content)
        if not original.is_file():
            raise ExportError(
                f"{original}: the content photo of {len(renders)} render(s) is missing"
            )
        stem = safe_stem(original.stem)
        folder_name = stem
        counter = 2
        while folder_name in used_folders:  # two photos with the same safe name
            folder_name = f"{stem}-{counter}"
            counter += 1
        used_folders.add(folder_name)
        folder = _inside(destination / folder_name, destination)
        if folder.is_symlink():
            raise ExportError(f"{folder}: is a symbolic link; refusing to write through it")
        group = ContentExport(content, original, folder, sorted(renders, key=rank))
        group.files.append(_inside(folder / f"{stem}{original.suffix.lower()}", destination))
        for row in group.renders:
            render = _inside(folder / f"{safe_stem(Path(row.file).stem, 120)}.png", destination)
            group.targets[row.id] = render
            group.files.append(render)
            if options.xmp:
                group.files.append(_inside(render.with_name(render.name + ".xmp"), destination))
        if options.psd:
            group.files.append(_inside(folder / f"{stem}.psd", destination))
        if options.ora:
            group.files.append(_inside(folder / f"{stem}.ora", destination))
        groups.append(group)
    plan = ExportPlan(options, groups)
    _inside(plan.manifest_path, destination)
    previous = read_manifest(destination)
    plan.existing = [
        path
        for path in plan.files
        if os.path.lexists(path) and not _ours(path, destination, previous)
    ]
    if check and plan.existing and not options.force:
        raise ExportError(
            f"{plan.existing[0]}: exists ({len(plan.existing)} file(s) would be overwritten); "
            "use --force to overwrite, or another destination"
        )
    return plan


def run_export(
    plan: ExportPlan,
    studio: Studio,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Write everything the plan lists; returns the manifest.

    Every file is written whole or not at all, inside the destination. A render that cannot
    be read is skipped and listed under `failed` (the rest of its photo's stack still comes
    out); the manifest is rewritten after each photo, so an export that stops part-way
    records what it wrote and a rerun overwrites those files without --force. `cancel`, once
    set, stops the export at the next render (a waifu2x enlargement at once) and raises
    ExportCancelled after recording what was written.
    """
    cancel = cancel or threading.Event()
    upscaler = Waifu2x(cancel) if plan.options.upscale == "waifu2x" else None
    try:
        return _run_export(plan, studio, progress, cancel, upscaler)
    finally:
        if upscaler is not None:
            upscaler.close()


def _run_export(
    plan: ExportPlan,
    studio: Studio,
    progress: Progress | None,
    cancel: threading.Event,
    upscaler: Waifu2x | None,
) -> dict[str, Any]:
    report = progress or (lambda done, total, message: None)
    destination = plan.options.destination
    total = sum(len(group.renders) + 1 for group in plan.groups)
    done = 0
    manifest: dict[str, Any] = {
        "tool": TOOL,
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "studio": str(studio.root),
        "complete": False,
        "upscale": plan.options.upscale,
        "contents": [],
        "failed": [],
        "files": {},
    }
    destination.mkdir(parents=True, exist_ok=True)

    def write(path: Path, data: bytes) -> None:
        write_bytes_atomic(path, data, inside=destination)
        stat = path.stat()
        manifest["files"][_relative(path, destination)] = {
            "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
        }  # fmt: skip

    def stop_if_cancelled() -> None:
        """Between photos and before a photo's layers: what is written stays recorded."""
        if cancel.is_set():
            _write_manifest(plan, manifest)
            raise ExportCancelled(f"export cancelled after {len(manifest['contents'])} photo(s)")

    for group in plan.groups:
        stop_if_cancelled()
        group.folder.mkdir(parents=True, exist_ok=True)
        _inside(group.folder / "x", destination)  # the folder itself may not lead elsewhere
        original_copy = group.files[0]
        try:
            base = load_rgb(group.original)  # upright, as the renders were made from it
        except StyleCoreError as exc:
            manifest["failed"].append({"content": group.content, "error": str(exc)})
            done += len(group.renders) + 1
            continue
        size = base.size
        write(original_copy, group.original.read_bytes())
        entry: dict[str, Any] = {
            "content": group.content,
            "original": _relative(original_copy, destination),
            "size": list(size),
            "renders": [],
        }
        layers: list[tuple[RenderRow, Layer]] = []

        def prepare(
            row: RenderRow, size: tuple[int, int] = size
        ) -> tuple[Image.Image, bytes] | StyleCoreError:
            """Read, resize to the original and encode one render (threads: zlib and Pillow's
            encoders release the GIL); an unreadable render gives its error. A cancelled
            export skips the renders not started yet."""
            if cancel.is_set():
                return ExportCancelled("export cancelled")
            try:
                image = load_rgb(studio.renders / row.file)
            except StyleCoreError as exc:
                return exc
            if upscaler is not None:
                try:
                    image = upscaler.enlarge(image, size)
                except UpscaleCancelled:
                    return ExportCancelled("export cancelled")
                except StyleCoreError as exc:  # a worker that died: this render fails
                    return exc
            else:
                image = lanczos(image, size)
            return image, _png_bytes(image)

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            prepared = pool.map(prepare, group.renders)
            for row, outcome in zip(group.renders, prepared, strict=True):
                report(done, total, f"{Path(row.file).name}")
                done += 1
                if isinstance(outcome, ExportCancelled):
                    continue  # the check after this photo's renders raises
                if isinstance(outcome, StyleCoreError):
                    manifest["failed"].append({"source": row.file, "error": str(outcome)})
                    continue
                image, png = outcome
                target = group.targets[row.id]
                write(target, png)
                if plan.options.xmp:
                    xmp = target.with_name(target.name + ".xmp")
                    write(xmp, xmp_sidecar(row).encode("utf-8"))
                layers.append((row, Layer(layer_name(row), image, png)))
                entry["renders"].append(
                    {
                        "file": _relative(target, destination),
                        "source": row.file,
                        "job_id": row.job_id,
                        "content": row.content,
                        "styles": row.style.split("|") if row.style else [],
                        "stars": row.stars,
                        "flag": row.flag,
                        "label": row.label,
                        "layer": layers[-1][1].name,
                        "settings": (row.spec or {}).get("settings"),
                    }
                )
        stop_if_cancelled()
        report(done, total, f"layers for {group.original.name}")
        stem = safe_stem(group.original.stem)
        stack = build_stack(base, stem, layers, plan.options)
        entry["stack"] = [
            {"layer": layer.name, "group": layer.group, "detail": layer.detail,
             "mask": _mask_kind(layer)}
            for layer in stack
        ]  # fmt: skip
        for render in entry["renders"]:
            render["detail"] = next(
                (layer.detail for layer in stack if layer.name == render["layer"]), None
            )
        if plan.options.psd:
            psd = group.folder / f"{stem}.psd"
            write(psd, psd_bytes(size, stack))
            entry["psd"] = _relative(psd, destination)
        if plan.options.ora:
            ora = group.folder / f"{stem}.ora"
            write(ora, ora_bytes(size, stack))
            entry["ora"] = _relative(ora, destination)
        manifest["contents"].append(entry)
        done += 1
        _write_manifest(plan, manifest)
    manifest["complete"] = True
    _write_manifest(plan, manifest)
    report(total, total, "done")
    return manifest


def _write_manifest(plan: ExportPlan, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2) + "\n"
    write_bytes_atomic(plan.manifest_path, text.encode("utf-8"), inside=plan.options.destination)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # a third faster than 3, 6% larger
    return buffer.getvalue()


def build_stack(
    photo: Image.Image, stem: str, renders: list[tuple[RenderRow, Layer]], options: ExportOptions
) -> list[Layer]:
    """The layer stack, bottom to top: the original, the painterly base, then the renders
    (broad to detailed, or worst to best rated), each with its mask and group."""
    from stylecore.stats.measure import compute_stats

    from .painterly import base_mask, painterly

    for _, layer in renders:
        layer.detail = float(compute_stats(layer.image)["edge_density"])
    layer_of = {id(row): layer for row, layer in renders}
    arranged = arrange([(row, layer.detail or 0.0) for row, layer in renders], options.order)
    placed = [(row, layer_of[id(row)]) for row, _ in arranged]
    for row, group in arranged:
        layer_of[id(row)].group = group
    for (_, layer), mask in zip(
        placed, render_masks(photo, len(placed), options.masks), strict=True
    ):
        layer.mask = mask
    stack = [Layer("original " + stem, photo, _png_bytes(photo))]
    if options.base == "painterly":
        base = painterly(photo, options.base_colours, options.base_brush)
        stack.append(Layer("base (painterly)", base, _png_bytes(base), mask=base_mask(photo)))
    return [*stack, *(layer for _, layer in placed)]


def reveals_subject(index: int, count: int) -> bool:
    """With --masks subject: whether the render at `index` of `count` (bottom to top) is of
    the detailed half, revealed on the subject (the rest are revealed around it). A render
    alone counts as detailed."""
    return index >= (count - 1) / 2


def render_masks(photo: Image.Image, count: int, masks: str) -> list[Image.Image]:
    """The masks of `count` renders, bottom to top, at the photo's size: "top" reveals the
    top render (white) and hides the others (black); "subject" reveals the detailed half on
    the photo's subject and the broad half around it, soft-edged."""
    from .painterly import mask_image, subject_map

    size = photo.size
    if masks != "subject" or count == 0:
        white, black = Image.new("L", size, 255), Image.new("L", size, 0)
        return [white if index == count - 1 else black for index in range(count)]
    subject = subject_map(photo)
    on, around = mask_image(subject, size), mask_image(1.0 - subject, size)
    return [on if reveals_subject(index, count) else around for index in range(count)]


def stack_preview(photo: Image.Image, render: Image.Image, options: ExportOptions) -> Image.Image:
    """What the PSD of an export of this render alone shows when opened, at the render's
    size: the render through its mask over the painterly base through its mask over the
    photo. The loupe shows it (t); bench/apps.py compares it with the real PSD's composite."""
    from .painterly import base_mask, painterly

    photo = lanczos(photo.convert("RGB"), render.size)
    canvas = photo
    if options.base == "painterly":
        base = painterly(photo, options.base_colours, options.base_brush)
        canvas = Image.composite(base, photo, base_mask(photo))
    (mask,) = render_masks(photo, 1, options.masks)
    return Image.composite(render.convert("RGB"), canvas, mask)


def arrange(
    renders: Sequence[tuple[RenderRow, float]], order: str
) -> list[tuple[RenderRow, str | None]]:
    """Renders (with their detail measure) bottom to top, each with its group's name (None:
    top level): broad to detailed, or worst to best rated; several renders of one style go
    into a group named after it, kept together where the group's first render stands. The
    export and the dialog's outline of it both arrange with this."""
    if order == "detail":
        ordered = sorted(renders, key=lambda pair: (pair[1], layer_name(pair[0])))
    else:
        ordered = sorted(renders, key=lambda pair: rank(pair[0]), reverse=True)
    by_style: dict[str, int] = {}
    for row, _ in ordered:
        by_style[row.style_name] = by_style.get(row.style_name, 0) + 1
    placed: list[tuple[RenderRow, str | None]] = []
    for row, _ in ordered:
        if by_style[row.style_name] == 1:
            placed.append((row, None))
        elif not any(r.style_name == row.style_name for r, _ in placed):
            group = safe_stem(row.style_name, 40).replace("-", " ")
            placed.extend((r, group) for r, _ in ordered if r.style_name == row.style_name)
    return placed


@dataclass(frozen=True)
class OutlineLayer:
    """One layer as the export dialog lists it before anything is written."""

    name: str
    group: str | None
    #: "detail" (the base: the photo shows through on its detail), "revealed" (white),
    #: "hidden" (black), "subject" or "surround" (--masks subject), "" (no mask).
    mask: str


def outline(
    plan: ExportPlan, detail_of: Callable[[RenderRow], float]
) -> list[tuple[ContentExport, list[OutlineLayer]]]:
    """Each photo's stack as the export will write it, bottom to top, from the plan alone:
    `detail_of` gives a render's detail measure (edge density) from its file."""
    options = plan.options
    stacks = []
    for group in plan.groups:
        layers = [OutlineLayer(f"original {safe_stem(group.original.stem)}", None, "")]
        if options.base == "painterly":
            layers.append(OutlineLayer("base (painterly)", None, "detail"))
        arranged = arrange([(row, detail_of(row)) for row in group.renders], options.order)
        for index, (row, style_group) in enumerate(arranged):
            if options.masks == "subject":
                mask = "subject" if reveals_subject(index, len(arranged)) else "surround"
            else:
                mask = "revealed" if index == len(arranged) - 1 else "hidden"
            layers.append(OutlineLayer(layer_name(row), style_group, mask))
        stacks.append((group, layers))
    return stacks


def file_counts(plan: ExportPlan) -> str:
    """What the plan writes, in words: "14 files: 2 originals, 4 renders (PNG), 4 XMP,
    2 PSD, 2 ORA, the manifest"."""
    photos = len(plan.groups)
    renders = sum(len(group.renders) for group in plan.groups)
    parts = [f"{photos} original{'s' if photos != 1 else ''}", f"{renders} renders (PNG)"]
    if plan.options.xmp:
        parts.append(f"{renders} XMP")
    for kind, wanted in (("PSD", plan.options.psd), ("ORA", plan.options.ora)):
        if wanted:
            parts.append(f"{photos} {kind}")
    return f"{len(plan.files)} files: {', '.join(parts)}, the manifest"


def _mask_kind(layer: Layer) -> str | None:
    if layer.mask is None:
        return None
    low, high = layer.mask.getextrema()
    return "white" if low == 255 else "black" if high == 0 else "painted"


def psd_bytes(size: tuple[int, int], stack: Sequence[Layer]) -> bytes:
    """A layered PSD: `stack` bottom to top, each layer the full canvas with its mask, the
    renders of one style in a group."""
    from psd_tools import PSDImage

    document = PSDImage.new("RGB", size)
    groups: dict[str, list[Any]] = {}
    for layer in stack:
        pixel = document.create_pixel_layer(layer.image.convert("RGB"), name=layer.name)
        if layer.mask is not None:
            pixel.create_mask(layer.mask)
        if layer.group is not None:
            groups.setdefault(layer.group, []).append(pixel)
    for name, members in groups.items():
        document.create_group(members, name=name)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def ora_bytes(size: tuple[int, int], stack: Sequence[Layer]) -> bytes:
    """OpenRaster: a zip whose first entry is the mimetype, stored uncompressed; stack.xml
    (topmost layer first), one PNG per layer, mergedimage.png and a thumbnail. OpenRaster has
    no layer masks: a layer whose mask is black is hidden, a painted mask (subject, base) is
    left out and the layer shown whole (the README says so)."""
    width, height = size
    layers_xml = "".join(
        f'    <layer name={quoteattr(layer.name)} src="data/layer{index:03d}.png" x="0" y="0"'
        f' opacity="1.0" visibility="{"hidden" if layer.hidden else "visible"}"'
        ' composite-op="svg:src-over"/>\n'
        for index, layer in reversed(list(enumerate(stack)))
    )
    stack_xml = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<image version="0.0.5" w="{width}" h="{height}">\n'
        f"  <stack>\n{layers_xml}  </stack>\n</image>\n"
    )
    top = stack[-1].image
    thumbnail = top.copy()
    thumbnail.thumbnail((256, 256))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "image/openraster", zipfile.ZIP_STORED)
        archive.writestr("stack.xml", stack_xml, zipfile.ZIP_DEFLATED)
        for index, layer in enumerate(stack):
            archive.writestr(f"data/layer{index:03d}.png", layer.png, zipfile.ZIP_STORED)
        archive.writestr("mergedimage.png", stack[-1].png, zipfile.ZIP_STORED)
        archive.writestr("Thumbnails/thumbnail.png", _png_bytes(thumbnail), zipfile.ZIP_STORED)
    return buffer.getvalue()


def xmp_sidecar(row: RenderRow) -> str:
    """An XMP sidecar: rating (-1 for rejected), label, digiKam pick label, render settings."""
    rating = -1 if row.flag == "reject" else row.stars
    settings = (row.spec or {}).get("settings") or {}
    recorded = (
        "image_size", "num_iterations", "optimizer", "content_weight", "style_weight",
        "tv_weight", "chroma_tv_weight", "style_scale", "original_colors", "init", "seed",
    )  # fmt: skip
    fields = {
        "jobId": row.job_id or "",
        "engine": row.engine,
        "content": row.content,
        "styles": row.style.replace("|", ", "),
        **{key: settings[key] for key in recorded if key in settings},
    }
    project = "".join(f"\n      sc:{key}={quoteattr(str(value))}" for key, value in fields.items())
    label = LABEL_BY_NAME[row.label].xmp if row.label in LABEL_BY_NAME else ""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="style-curator">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about=""
      xmlns:xmp="http://ns.adobe.com/xap/1.0/"
      xmlns:digiKam="http://www.digikam.org/ns/1.0/"
      xmlns:sc="{PROJECT_NS}"
      xmp:Rating="{rating}"
      xmp:Label={quoteattr(label)}
      xmp:ModifyDate="{datetime.fromtimestamp(row.created, UTC).isoformat(timespec="seconds")}"
      digiKam:PickLabel="{PICK_LABELS.get(row.flag, 0)}"{project}/>
  </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def export_renders(
    studio: Studio,
    rows: Sequence[RenderRow],
    options: ExportOptions,
    progress: Progress | None = None,
) -> tuple[ExportPlan, dict[str, Any]]:
    """Plan and run in one go."""
    started = time.perf_counter()
    plan = plan_export(studio, rows, options)
    manifest = run_export(plan, studio, progress)
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return plan, manifest
