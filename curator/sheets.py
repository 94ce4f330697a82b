"""Contact sheets: pages of captioned thumbnails, as a PDF or PNG pages, to print and share.

A grid mode (renders in view order, `columns` x `rows` a page) and a matrix mode (one row per
style, one column per content, or the reverse; each cell the best render of that pair). Each
page has a header with the studio, the filter, the date and the page number. Stars, pick and
reject marks are drawn as shapes, so they do not depend on what a font holds.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from stylecore.errors import SettingsError
from stylecore.files import UnsafeWrite, atomic_file
from stylecore.images import load_rgb

from .catalog import RenderRow
from .export import rank
from .ratings import LABEL_BY_NAME

PAGE_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a3": (297.0, 420.0)}
INK, FAINT, PAPER, GOLD = (25, 25, 25), (120, 120, 120), (255, 255, 255), (214, 160, 30)


@dataclass(frozen=True)
class SheetOptions:
    columns: int = 4
    rows: int = 5
    page: str = "a4"  # a4, letter, a3, or WIDTHxHEIGHT in mm ("300x200") or in ("11x17in")
    landscape: bool = False
    margin_mm: float = 10.0
    dpi: int = 150
    settings: bool = False  # a line of render settings under each tile
    palette: bool = False  # the style's palette strip under each tile
    matrix: str = ""  # "" (grid), "styles" (a row per style) or "contents" (a row per content)
    title: str = ""
    filter_text: str = "all"

    def page_pixels(self) -> tuple[int, int]:
        text = self.page.lower().strip()
        if text in PAGE_SIZES_MM:
            width_mm, height_mm = PAGE_SIZES_MM[text]
        else:
            match = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|in)?", text)
            if not match:
                raise SettingsError(
                    f"page {self.page!r}: use a4, letter, a3, or WIDTHxHEIGHT in mm or in (11x17in)"
                )
            factor = 25.4 if match.group(3) == "in" else 1.0
            width_mm, height_mm = float(match.group(1)) * factor, float(match.group(2)) * factor
        if self.landscape:
            width_mm, height_mm = max(width_mm, height_mm), min(width_mm, height_mm)
        return round(width_mm / 25.4 * self.dpi), round(height_mm / 25.4 * self.dpi)


@dataclass
class SheetResult:
    pages: int
    tiles_per_page: list[int]
    files: list[Path]


Loader = Callable[[RenderRow], Image.Image | None]
PaletteOf = Callable[[RenderRow], list[dict[str, Any]] | None]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Pages = tuple[list[Image.Image], list[int]]


def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size)
    except TypeError:
        return ImageFont.load_default()


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text + "..."


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, filled: bool) -> None:
    points = []
    for k in range(10):
        angle = -math.pi / 2 + k * math.pi / 5
        radius = r if k % 2 == 0 else r * 0.45
        points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
    if filled:
        draw.polygon(points, fill=GOLD)
    else:
        draw.polygon(points, outline=FAINT)


def _marks(draw: ImageDraw.ImageDraw, row: RenderRow, x: float, y: float, h: float) -> float:
    """Stars, pick tick or reject cross, label dot; returns the x after them."""
    r = h * 0.42
    for k in range(5):
        _star(draw, x + r + k * 2.3 * r, y + h / 2, r, filled=k < row.stars)
    x += 5 * 2.3 * r + r
    width = max(1, round(h / 8))
    if row.flag == "pick":
        draw.line([(x, y + h * 0.55), (x + h * 0.3, y + h * 0.85), (x + h * 0.8, y + h * 0.2)],
                  fill=(40, 150, 60), width=width)  # fmt: skip
        x += h
    elif row.flag == "reject":
        draw.line([(x, y + h * 0.15), (x + h * 0.7, y + h * 0.85)], fill=(200, 50, 40), width=width)
        draw.line([(x, y + h * 0.85), (x + h * 0.7, y + h * 0.15)], fill=(200, 50, 40), width=width)
        x += h
    if row.label in LABEL_BY_NAME:
        draw.ellipse(
            [x + h * 0.1, y + h * 0.2, x + h * 0.7, y + h * 0.8], fill=LABEL_BY_NAME[row.label].rgb
        )
        x += h
    return x


def settings_line(row: RenderRow) -> str:
    settings = (row.spec or {}).get("settings") or {}
    if not settings:
        return ""
    colours = settings.get("original_colors", "none")
    return (
        f"{settings.get('image_size')}px {settings.get('num_iterations')}it "
        f"sw {settings.get('style_weight')} cw {settings.get('content_weight')}"
        + (f" {colours}" if colours != "none" else "")
    )


def make_sheet(
    rows: Sequence[RenderRow],
    output: Path,
    options: SheetOptions,
    load: Loader,
    palette_of: PaletteOf | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    force: bool = False,
) -> SheetResult:
    """Draw the sheet; PDF if `output` ends in .pdf, else PNG (one file a page, -NN after 1)."""
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise SettingsError(f"{output}: a contact sheet is a .pdf or a .png")
    if options.columns < 1 or options.rows < 1:
        raise SettingsError("columns and rows must be 1 or more")
    if options.matrix not in ("", "styles", "contents"):
        raise SettingsError("matrix must be styles or contents")
    if options.matrix and options.settings:
        raise SettingsError(
            "settings lines are drawn under the tiles of a grid sheet; a matrix has no captions "
            "(leave out --settings, or --matrix)"
        )
    existing = existing_pages(output)
    if existing and not force:
        raise SettingsError(
            f"{existing[0]}: exists ({len(existing)} file(s) would be overwritten); use "
            "--force to overwrite, or another name"
        )
    if options.matrix:
        pages, counts = _matrix_pages(rows, options, load, palette_of, progress)
    else:
        pages, counts = _grid_pages(rows, options, load, palette_of, progress)
    output.parent.mkdir(parents=True, exist_ok=True)
    folder = output.parent
    try:
        if suffix == ".pdf":
            files = [output]
            with atomic_file(output, inside=folder) as handle:
                pages[0].save(
                    handle, "PDF", resolution=options.dpi, save_all=True, append_images=pages[1:]
                )
        else:
            files = [output] if len(pages) == 1 else numbered_pages(output, len(pages))
            for page, path in zip(pages, files, strict=True):
                with atomic_file(path, inside=folder) as handle:
                    page.save(handle, "PNG")
    except UnsafeWrite as exc:
        raise SettingsError(str(exc)) from None
    return SheetResult(len(pages), counts, files)


def numbered_pages(output: Path, count: int) -> list[Path]:
    """`sheet.png` of several pages: sheet-01.png, sheet-02.png..."""
    return [output.with_name(f"{output.stem}-{n:02d}.png") for n in range(1, count + 1)]


def existing_pages(output: Path) -> list[Path]:
    """Files a sheet written to `output` could overwrite: the file, or its numbered pages."""
    found = [output] if os.path.lexists(output) else []
    if output.suffix.lower() == ".png" and output.parent.is_dir():
        pattern = re.compile(re.escape(output.stem) + r"-\d{2,}\.png")
        found += sorted(p for p in output.parent.iterdir() if pattern.fullmatch(p.name))
    return found


@dataclass
class _Frame:
    width: int
    height: int
    margin: int
    header: int
    font: Font
    small: Font


def _frame(options: SheetOptions) -> _Frame:
    width, height = options.page_pixels()
    margin = round(options.margin_mm / 25.4 * options.dpi)
    base = max(9, round(options.dpi * 0.085))
    return _Frame(width, height, margin, round(base * 2.6), _font(base), _font(round(base * 0.85)))


def _new_page(frame: _Frame, options: SheetOptions, number: int, total: int) -> Image.Image:
    page = Image.new("RGB", (frame.width, frame.height), PAPER)
    draw = ImageDraw.Draw(page)
    left = f"{options.title}   |   filter: {options.filter_text}"
    right = f"{date.today().isoformat()}   |   page {number} of {total}"
    y = frame.margin
    draw.text((frame.margin, y), left, fill=INK, font=frame.font)
    draw.text(
        (frame.width - frame.margin - draw.textlength(right, font=frame.font), y),
        right, fill=FAINT, font=frame.font,
    )  # fmt: skip
    line_y = frame.margin + frame.header - max(2, frame.header // 5)
    draw.line([(frame.margin, line_y), (frame.width - frame.margin, line_y)], fill=FAINT)
    return page


def _draw_tile(
    page: Image.Image,
    row: RenderRow | None,
    box: tuple[int, int, int, int],
    frame: _Frame,
    options: SheetOptions,
    load: Loader,
    palette_of: PaletteOf | None,
    caption: bool = True,
) -> None:
    x0, y0, x1, y1 = box
    draw = ImageDraw.Draw(page)
    line = round(frame.header / 2.2)
    caption_lines = (2 + int(options.settings)) if caption else 0
    strip = round(line * 0.6) if options.palette and caption else 0
    image_bottom = y1 - caption_lines * line - strip - 4
    if row is None:
        draw.rectangle([x0, y0, x1, image_bottom], outline=(225, 225, 225))
        return
    image = load(row)
    area = (x1 - x0, max(1, image_bottom - y0))
    if image is None:
        draw.rectangle([x0, y0, x1, image_bottom], outline=FAINT)
        draw.text((x0 + 4, y0 + 4), "cannot read", fill=FAINT, font=frame.small)
    else:
        scale = min(area[0] / image.width, area[1] / image.height)
        fitted = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.LANCZOS,
        )
        page.paste(
            fitted, (x0 + (area[0] - fitted.width) // 2, y0 + (area[1] - fitted.height) // 2)
        )
    if not caption:
        return
    y = image_bottom + 3
    _marks(draw, row, x0, y, line * 0.9)
    y += line
    # ASCII only in captions: Pillow's built-in font has no multiplication sign or ellipsis.
    text = _fit_text(draw, f"{row.style_name} x {row.content_name}", frame.small, x1 - x0)
    draw.text((x0, y), text, fill=INK, font=frame.small)
    y += line
    if options.settings:
        text = _fit_text(draw, settings_line(row), frame.small, x1 - x0)
        draw.text((x0, y), text, fill=FAINT, font=frame.small)
        y += line
    if strip and palette_of is not None:
        colours = palette_of(row) or []
        left = float(x0)
        for colour in colours:
            right = left + float(colour["share"]) * (x1 - x0)
            draw.rectangle(
                [round(left), y, max(round(left), round(right) - 1), y + strip],
                fill=str(colour["hex"]),
            )
            left = right


def _grid_pages(
    rows: Sequence[RenderRow],
    options: SheetOptions,
    load: Loader,
    palette_of: PaletteOf | None,
    progress: Callable[[int, int], None] | None,
) -> Pages:
    frame = _frame(options)
    per_page = options.columns * options.rows
    total = max(1, math.ceil(len(rows) / per_page))
    gap = max(4, round(frame.margin / 3))
    cell_w = (frame.width - 2 * frame.margin - (options.columns - 1) * gap) / options.columns
    top = frame.margin + frame.header
    cell_h = (frame.height - top - frame.margin - (options.rows - 1) * gap) / options.rows
    pages, counts = [], []
    for number in range(total):
        page = _new_page(frame, options, number + 1, total)
        chunk = rows[number * per_page : (number + 1) * per_page]
        for index, row in enumerate(chunk):
            column, line = index % options.columns, index // options.columns
            x0 = round(frame.margin + column * (cell_w + gap))
            y0 = round(top + line * (cell_h + gap))
            box = (x0, y0, round(x0 + cell_w), round(y0 + cell_h))
            _draw_tile(page, row, box, frame, options, load, palette_of)
            if progress:
                progress(number * per_page + index + 1, len(rows))
        pages.append(page)
        counts.append(len(chunk))
    return pages, counts


def _matrix_pages(
    rows: Sequence[RenderRow],
    options: SheetOptions,
    load: Loader,
    palette_of: PaletteOf | None,
    progress: Callable[[int, int], None] | None,
) -> Pages:
    """One row per style (or content), one column per content (or style): the best render."""
    by_style = options.matrix == "styles"
    row_key = (lambda r: r.style_name) if by_style else (lambda r: r.content_name)
    col_key = (lambda r: r.content_name) if by_style else (lambda r: r.style_name)
    row_names = sorted({row_key(r) for r in rows}, key=str.lower)
    col_names = sorted({col_key(r) for r in rows}, key=str.lower)
    best: dict[tuple[str, str], RenderRow] = {}
    for render in sorted(rows, key=rank, reverse=True):
        best[(row_key(render), col_key(render))] = render  # the best one is written last
    frame = _frame(options)
    label_w = round((frame.width - 2 * frame.margin) * 0.14)
    gap = max(3, round(frame.margin / 4))
    top = frame.margin + frame.header
    columns = max(1, len(col_names))
    cell_w = (frame.width - 2 * frame.margin - label_w - (columns - 1) * gap) / columns
    line = round(frame.header / 2.2)
    cell_h = round(cell_w * 0.75) + line + 4
    available = frame.height - top - frame.margin - line - 4
    one_page = int((available - (len(row_names) - 1) * gap) / max(1, len(row_names)))
    if one_page >= cell_h // 2:  # all rows fit on one page with cells at least half as tall
        cell_h = min(cell_h, one_page)
    rows_per_page = max(1, int((available + gap) // (cell_h + gap)))
    total = max(1, math.ceil(len(row_names) / rows_per_page))
    pages, counts = [], []
    done = 0
    for number in range(total):
        page = _new_page(frame, options, number + 1, total)
        draw = ImageDraw.Draw(page)
        for c, name in enumerate(col_names):
            x = round(frame.margin + label_w + c * (cell_w + gap))
            text = _fit_text(draw, name, frame.small, cell_w)
            draw.text((x, top), text, fill=INK, font=frame.small)
        count = 0
        names = row_names[number * rows_per_page : (number + 1) * rows_per_page]
        for r, name in enumerate(names):
            y0 = round(top + line + 4 + r * (cell_h + gap))
            label = _fit_text(draw, name, frame.small, label_w - gap)
            draw.text((frame.margin, y0 + cell_h // 3), label, fill=INK, font=frame.small)
            for c, column_name in enumerate(col_names):
                x0 = round(frame.margin + label_w + c * (cell_w + gap))
                best_render = best.get((name, column_name))
                box = (x0, y0, round(x0 + cell_w), y0 + cell_h)
                _draw_tile(page, best_render, box, frame, options, load, palette_of, caption=False)
                if best_render is not None:
                    draw = ImageDraw.Draw(page)
                    _marks(draw, best_render, x0, y0 + cell_h - line, line * 0.9)
                    count += 1
                    done += 1
                    if progress:
                        progress(done, len(best))
        pages.append(page)
        counts.append(count)
    return pages, counts


def default_loader(renders: Path) -> Loader:
    def load(row: RenderRow) -> Image.Image | None:
        try:
            return load_rgb(renders / row.file)
        except Exception:
            return None

    return load
