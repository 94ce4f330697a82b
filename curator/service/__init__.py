"""The service layer: the one door through which the app and the command line reach a studio.

`StudioService` does the work; this package also hands out the plain data types the UI
shows (rows, ratings, views, jobs), so that screens and commands import nothing else of
curator's or stylecore's internals. Pictures cross the door as opaque `PictureImage` values.
"""

from PIL.Image import Image as PictureImage

from stylecore.loops.events import LoopEvent
from stylecore.studio.database import UnforeseenDatabaseError
from stylecore.studio.queue import STATUSES, Job
from stylecore.studio.registry import LoopRecord

from ..catalog import QUICK, RenderRow, collection_name
from ..export import (
    BASES,
    MASKS,
    ORDERS,
    UPSCALERS,
    ExportCancelled,
    ExportError,
    ExportOptions,
    ExportPlan,
)
from ..export import file_counts as export_file_counts
from ..filtering import (
    CHIP_KEYS,
    GROUPS,
    SORTS,
    Filter,
    Group,
    ViewSpec,
    chips,
    filter_warnings,
    format_filter,
    parse_filter,
    stack_key,
    toggle_chip,
)
from ..ratings import FLAGS, LABEL_BY_NAME, LABEL_TABLE, LABELS, Label, Rating, is_keeper
from ..sheets import SheetOptions, SheetResult
from ..thumbs import Thumb, ThumbError
from ..upscale import describe as describe_upscale
from ..watcher import Changes
from .pictures import (
    ZOOMS,
    clamp_centre,
    dimmed,
    fit_scale,
    half_blocks,
    has_view,
    histogram_lines,
    letterbox,
    moved_by,
    next_zoom,
    overview,
    pan_cells,
    pan_view_cells,
    panned_centre,
    remember_view,
    survey_grid,
    zoomed,
)
from .sixel import shutdown_encoder, sixel_data, sixel_data_later, sixel_data_many
from .studio import QueueResult, QueueSummary, StudioService, StyleEntry

__all__ = [
    "BASES",
    "CHIP_KEYS",
    "FLAGS",
    "GROUPS",
    "LABELS",
    "LABEL_BY_NAME",
    "LABEL_TABLE",
    "MASKS",
    "ORDERS",
    "QUICK",
    "SORTS",
    "STATUSES",
    "UPSCALERS",
    "ZOOMS",
    "Changes",
    "ExportCancelled",
    "ExportError",
    "ExportOptions",
    "ExportPlan",
    "Filter",
    "Group",
    "Job",
    "Label",
    "LoopEvent",
    "LoopRecord",
    "PictureImage",
    "QueueResult",
    "QueueSummary",
    "Rating",
    "RenderRow",
    "SheetOptions",
    "SheetResult",
    "StudioService",
    "StyleEntry",
    "Thumb",
    "ThumbError",
    "UnforeseenDatabaseError",
    "ViewSpec",
    "chips",
    "clamp_centre",
    "collection_name",
    "describe_upscale",
    "dimmed",
    "export_file_counts",
    "filter_warnings",
    "fit_scale",
    "format_filter",
    "half_blocks",
    "has_view",
    "histogram_lines",
    "is_keeper",
    "letterbox",
    "moved_by",
    "next_zoom",
    "overview",
    "pan_cells",
    "pan_view_cells",
    "panned_centre",
    "parse_filter",
    "remember_view",
    "shutdown_encoder",
    "sixel_data",
    "sixel_data_later",
    "sixel_data_many",
    "stack_key",
    "survey_grid",
    "toggle_chip",
    "zoomed",
]
