"""The contact sheet screen: the grid, the status line, the filter prompt, Lightroom's keys."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from stylecore.errors import StyleCoreError

from ...service import (
    CHIP_KEYS,
    GROUPS,
    LABELS,
    QUICK,
    SORTS,
    Group,
    RenderRow,
    ViewSpec,
    chips,
    filter_warnings,
    format_filter,
    parse_filter,
    stack_key,
    toggle_chip,
)
from ..widgets.contact_sheet import ContactSheet
from ..widgets.footer import Footer
from .rating import RATE_BINDINGS, RatingScreen, in_order

if TYPE_CHECKING:
    pass

#: Actions of this screen offered in the command palette: (action, title, help).
COMMANDS = [
    ("rate(5)", "Rate 5 stars", "Rate the current (or marked) renders"),
    ("rate(0)", "Clear stars", "Remove the stars of the current render"),
    ("flag('pick')", "Pick", "Flag as a pick"),
    ("flag('reject')", "Reject", "Flag as rejected"),
    ("flag('')", "Unflag", "Remove pick or reject"),
    ("undo", "Undo rating", "Undo the last rating, flag or label change"),
    ("redo", "Redo rating", "Redo what was undone"),
    ("loupe", "Loupe", "Look at the current render large, with its content and style"),
    ("compare", "Compare", "Compare the marked renders (or this and its neighbours)"),
    ("survey", "Survey", "The marked renders (up to 12) laid out to fill the screen (N)"),
    ("mark", "Mark / unmark", "Mark renders for compare and for rating together"),
    ("collect", "Quick collection in / out", "The current (or marked) renders, b"),
    ("collect_named", "Add to a named collection", "The current (or marked) renders, B"),
    ("stacks", "Stacks on / off", "Each content x style pair as one tile (T)"),
    ("stack_toggle", "Open / close the stack", "Every render of this pair, or its top (t)"),
    ("chip", "Filter chip", "f, then a key: stars and up, picks, rejects, unrated, previews"),
    ("rerun", "Rerun with a new seed", "Queue the current render again with a new seed"),
    ("rerun_edit", "Rerun with edited settings", "Edit size, iterations, weights... and queue"),
    ("queue_pairs", "Queue new pairs", "Choose contents, styles and a preset to queue"),
    ("filter", "Filter", "Filter by rating, flag, content, style or text"),
    ("clear_filter", "Clear filter", "Show every render"),
    ("cycle_sort", "Cycle sort", "newest, oldest, rating, style, content, statistics"),
    ("cycle_group", "Cycle grouping", "none, by content, by style"),
    ("toggle_advance", "Toggle auto-advance", "Move to the next render after rating"),
    ("promote", "Promote previews", "Queue full renders of the marked (or current) previews"),
    ("promote_starred", "Promote starred previews", "Queue full renders of every starred preview"),
    ("export", "Export for compositing", "Layered PSD and ORA over the original, XMP sidecars"),
    (
        "sheet",
        "Contact sheet (PDF or PNG)",
        "Pages of the current view, or a style x content matrix",
    ),
    ("show_queue", "Queue screen", "Jobs, progress, render loops"),
    ("show_styles", "Styles screen", "The style library with statistics and keeper rates"),
    ("help", "Help", "All keys"),
    ("show_new", "Show new renders", "Jump to the newest render that landed while you looked"),
    ("tiles(1)", "Bigger tiles", "Step the thumbnail size up (+)"),
    ("tiles(-1)", "Smaller tiles", "Step the thumbnail size down (-)"),
    *[(f"sort('{s}')", f"Sort by {s}", "Sort the contact sheet") for s in SORTS],
    *[(f"label('{n}')", f"Label {n}", "Toggle a colour label") for n in LABELS[1:]],
]


def chip_legend() -> str:
    """What the key after `f` does, in one or two lines."""
    keys = "  ".join(
        f"[b]{key}[/] {meaning}" for key, (_, meaning) in CHIP_KEYS.items() if not key.isdigit()
    )
    return (
        f"[b reverse] filter chip [/]  [b]1-5[/] stars and up  {keys}  "
        f"[b]0[/] {CHIP_KEYS['0'][1]}  [b]esc[/] leave"
    )


class SheetScreen(RatingScreen):
    """Home screen: the live contact sheet."""

    BINDINGS = in_order(
        [
            # After `f`, these come first for their keys (check_action enables only them).
            *[Binding(key, f"chip_key('{key}')", show=False) for key in (*CHIP_KEYS, "f")],
            Binding("escape", "chip_key('escape')", show=False),
            *RATE_BINDINGS,
            Binding("enter", "filter_submit", "apply filter", show=False),
            Binding("escape", "filter_close", "close filter", show=False),
            Binding("left,h", "move(-1, 0)", "←", show=False),
            Binding("right,l", "move(1, 0)", "→", show=False),
            Binding("up,k", "move(0, -1)", "↑", show=False),
            Binding("down,j", "move(0, 1)", "↓", show=False),
            Binding("pageup", "page(-1)", "page up", show=False),
            Binding("pagedown", "page(1)", "page down", show=False),
            Binding("home", "edge(0)", "first", show=False),
            Binding("end", "edge(1)", "last", show=False),
            # The footer shows these in this order and drops from the end when narrow: at
            # 100 columns what is listed first (and ?, which lists every key) stays.
            Binding("enter,space", "loupe", "loupe"),
            Binding("slash", "filter", "filter"),
            Binding("f", "chip", "chips", show=False),
            Binding("e", "export", "export…"),
            Binding("Q", "show_queue", "Queue"),
            Binding("S", "show_styles", "Styles"),
            Binding("question_mark", "help", "help"),
            Binding("q", "queue_pairs", "queue…"),
            Binding("c", "compare", "compare"),
            Binding("N", "survey", "survey", show=False),
            Binding("s", "cycle_sort", "sort"),
            Binding("g", "cycle_group", "group"),
            Binding("m", "mark", "mark", show=False),
            Binding("b", "collect", "quick collection", show=False),
            Binding("t", "stack_toggle", "open/close stack", show=False),
            Binding("T", "stacks", "stacks on/off", show=False),
            Binding("B", "collect_named", "collection…", show=False),
            Binding("r", "rerun", "rerun", show=False),
            Binding("R", "rerun_edit", "rerun…", show=False),
            Binding("a", "toggle_advance", "auto-adv", show=False),
            Binding("P", "promote", "promote", show=False),
            Binding("w", "sheet", "sheet…", show=False),
            Binding("plus,equals_sign", "tiles(1)", "bigger", show=False),
            Binding("minus", "tiles(-1)", "smaller", show=False),
            Binding("n", "show_new", "new renders", show=False),
        ]
    )
    PROMPT_ACTIONS = frozenset({"filter_submit", "filter_close"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """After `f` only the chip's key acts (a digit there is a chip, never a rating)."""
        if action == "chip_key":
            return self.chip_pending
        if self.chip_pending:
            return False
        return super().check_action(action, parameters)

    DEFAULT_CSS = """
    SheetScreen { layout: vertical; }
    #status { height: 1; width: 1fr; background: $panel; padding: 0 1; }
    #detail { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    #filter { dock: bottom; display: none; margin-bottom: 1; }
    #filter.-open { display: block; }
    #chip-keys { dock: bottom; display: none; height: auto; background: $panel; padding: 0 1;
                 margin-bottom: 1; }
    #chip-keys.-open { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        #: `f` was pressed: the next key toggles a filter chip.
        self.chip_pending = False
        self.view_spec = ViewSpec()
        self.auto_advance = False
        self.rows_total = 0
        self._status_text = ""
        #: Renders seen since the app opened; the ones that landed after are "new".
        self.seen: set[int] | None = None
        self.new: set[int] = set()

    def compose(self) -> ComposeResult:
        service = self.capp.service
        yield Static("", id="status")
        yield ContactSheet(service.thumbs, service.render_path)
        yield Static("", id="detail")
        yield Input(
            placeholder="filter: unrated picked rejected stars>=3 style:… content:… label:red",
            id="filter",
        )
        yield Static(chip_legend(), id="chip-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.sheet.set_tile_size(self.capp.service.studio.config.tile_size)
        self.refresh_view()
        self.sheet.focus()
        self.call_after_refresh(self.capp.collector.freeze)  # the rows and widgets, drawn

    @property
    def sheet(self) -> ContactSheet:
        return self.query_one(ContactSheet)

    # ----------------------------------------------------------------- view

    def refresh_view(self, keep: int | None = None, groups: list[Group] | None = None) -> None:
        if groups is None:
            groups = self.capp.service.view(self.view_spec)
        ids = {row.id for row in self.capp.service.rows}
        if self.seen is None:
            self.seen = ids
        else:
            self.new = (self.new | (ids - self.seen)) & ids
            self.seen |= ids
        self.rows_total = len(self.capp.service.rows)
        self.sheet.empty_text = (
            f"No render matches the filter {format_filter(self.view_spec.filter)!r}: "
            "/ to change it, or clear it from the palette (ctrl+p)."
            if self.rows_total
            else "No renders yet. Queue some with q (or `curator queue add`) and start a "
            "render loop from the Queue screen (Q)."
        )
        self.sheet.set_groups(groups, keep=keep)
        self.update_status()

    def filter_status(self) -> str:
        """The filter for the header: each one-key condition as a chip, then the typed rest."""
        spec = self.view_spec.filter
        shown = " ".join(f"[reverse] {chip} [/]" for chip in chips(spec))
        rest = format_filter(toggle_chip(spec, "clear"))  # the typed words and key: terms
        return f"filter: {' '.join(part for part in (shown, rest) if part) or 'all'}"

    def update_status(self) -> None:
        if not self.query(ContactSheet):
            # The queue's timer can fire while the screen is still composing (seen on a busy
            # machine at start-up); the header is written again once the sheet is there.
            return
        shown = len(self.sheet.items)
        spec = self.view_spec
        parts = [
            f"[b]{self.capp.service.studio.root.name}[/]",
            f"{shown} of {self.rows_total} renders"
            if shown != self.rows_total
            else f"{shown} renders",
            self.filter_status(),
            f"sort: {spec.sort}",
        ]
        if spec.group != "none":
            parts.append(f"group: {spec.group}")
        if spec.stacks:
            opened = len(spec.open_stacks)
            parts.append(f"[reverse] stacks [/]{f' {opened} open' if opened else ''}")
        if self.sheet.marked:
            parts.append(f"{len(self.sheet.marked)} marked")
        if self.new:
            parts.append(f"[b reverse] {len(self.new)} new [/] n shows them")
        if self.auto_advance:
            parts.append("auto-advance")
        if self.capp.read_only_reason:
            parts.append("[b reverse] read-only [/]")
        parts.append(self.capp.queue_summary)
        text = "  │  ".join(parts)
        try:
            status = self.query_one("#status", Static)
        except NoMatches:  # the queue timer can fire before this screen has composed
            return
        if text != self._status_text:
            self._status_text = text
            status.update(text, layout=False)

    @on(ContactSheet.CursorMoved)
    def show_detail(self, message: ContactSheet.CursorMoved) -> None:
        row = message.row
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("", layout=False)
            return
        extra = []
        if row.seconds is not None:
            extra.append(f"{row.seconds:.0f} s")
        if row.loss is not None:
            extra.append(f"loss {row.loss:.4g}")
        detail.update(f"{row.file}   {'   '.join(extra)}", layout=False)
        if self.view_spec.stacks and self.sheet.badges.get(row.id, "").isdigit():
            # A closed stack under the cursor: its first page of renders decoded ahead, so
            # that opening it shows pictures at once.
            members = self.capp.service.stack_members(row, self.view_spec)
            self.sheet.warm(members[: self.sheet.page_capacity()])

    # ----------------------------------------------------------------- rating

    def targets(self) -> list[RenderRow]:
        """The marked renders when the cursor is on one of them, else the current render."""
        current = self.sheet.current
        if current is None:
            return []
        if current.id in self.sheet.marked:
            return self.sheet.marked_rows()
        return [current]

    def rating_targets(self) -> list[int]:
        return [row.id for row in self.targets()]

    def show_changes(self, changed: list[int], *, rated: bool) -> None:
        if rated:
            self.after_rating(changed, advance=True)
        else:
            self.refresh_view(keep=changed[0])

    def after_rating(self, changed: list[int], advance: bool) -> None:
        """Show new ratings; auto-advance; behave when rated renders leave the filter."""
        if not changed:
            return
        service = self.capp.service
        rating_sensitive = (
            self.view_spec.sort == "rating"
            or any(
                getattr(self.view_spec.filter, name)
                for name in ("unrated", "picked", "rejected", "unflagged", "label")
            )
            or self.view_spec.filter.min_stars > 0
            or self.view_spec.filter.max_stars < 5
        )
        current = self.sheet.current
        position = self.sheet.cursor
        if not rating_sensitive:
            wanted = set(changed)
            self.sheet.update_rows(service.rows_with_ids(wanted))
            if advance and self.auto_advance:
                self.sheet.move(dx=1)
            self.update_status()
            return
        groups = service.view(self.view_spec)
        still = current is not None and any(r.id == current.id for g in groups for r in g.rows)
        self.sheet.set_groups(groups, keep=current.id if still and current else None)
        if not still:
            # The rated render left the view: the one after it now stands where it stood.
            self.sheet.go_to(min(position, len(self.sheet.items) - 1))
        elif advance and self.auto_advance:
            self.sheet.move(dx=1)
        self.update_status()

    # ----------------------------------------------------------------- moving

    def action_move(self, dx: int, dy: int) -> None:
        self.sheet.move(dx, dy)

    def action_page(self, direction: int) -> None:
        self.sheet.page(direction)

    def action_edge(self, end: int) -> None:
        self.sheet.go_to(len(self.sheet.items) - 1 if end else 0)

    def action_show_new(self) -> None:
        """n: the newest of the renders that landed while the artist looked."""
        shown = [row for row in self.sheet.items if row.id in self.new]
        if not shown:
            self.notify("no new renders in this view" if self.new else "no new renders")
            self.new.clear()
            self.update_status()
            return
        newest = max(shown, key=lambda row: (row.created, row.id))
        self.sheet.go_to(self.sheet.index_of[newest.id])
        self.new.clear()
        self.update_status()

    def action_tiles(self, step: int) -> None:
        name = self.sheet.step_tile_size(step)
        self.notify(f"tiles: {name}", timeout=1.5)

    def action_mark(self) -> None:
        self.sheet.toggle_mark()
        self.update_status()

    def action_collect(self, name: str = QUICK) -> None:
        """b: the render (or the marked renders) into the quick collection, or out of it."""
        rows = self.targets()
        if not rows:
            return
        try:
            added = self.capp.service.toggle_collection(rows, name)
        except StyleCoreError as exc:
            self.notify(str(exc), severity="error")
            return
        where = "the quick collection" if name == QUICK else f"collection {name!r}"
        self.notify(f"{len(rows)} render(s) {'added to' if added else 'taken out of'} {where}")
        ids = {row.id for row in rows}
        if self.view_spec.filter.collection:
            self.refresh_view(keep=self.sheet.current.id if self.sheet.current else None)
        else:
            self.sheet.update_rows(self.capp.service.rows_with_ids(ids))

    def action_stacks(self) -> None:
        """T: stacks on (each content x style pair one tile, its best-rated render on top)
        or off (every render its own tile)."""
        self.view_spec = replace(self.view_spec, stacks=not self.view_spec.stacks)
        self.refresh_view()
        self.notify("stacks on: t opens a stack" if self.view_spec.stacks else "stacks off")

    def action_stack_toggle(self) -> None:
        """t: open the stack under the cursor (every render of its pair, the top first), or
        close it back to its top; the cursor stays on the top."""
        current = self.sheet.current
        if current is None:
            return
        if not self.view_spec.stacks:
            self.view_spec = replace(self.view_spec, stacks=True)
        key = stack_key(current)
        opened = self.view_spec.open_stacks
        opened = opened - {key} if key in opened else opened | {key}
        self.view_spec = replace(self.view_spec, open_stacks=opened)
        # The cursor goes to the stack's top (ratings made while it was open may have
        # changed which render that is); the view is made once and handed on.
        groups = self.capp.service.view(self.view_spec)
        top = next(
            (row.id for group in groups for row in group.rows if stack_key(row) == key),
            current.id,
        )
        self.refresh_view(keep=top, groups=groups)

    def action_collect_named(self) -> None:
        """B: a named collection for the render (or the marked renders)."""
        rows = self.targets()
        if not rows:
            return
        from .forms import CollectionForm

        def chosen(name: str | None) -> None:
            if name:
                self.action_collect(name)

        self.app.push_screen(CollectionForm(len(rows), self.capp.service.collections()), chosen)

    # ----------------------------------------------------------------- view changes

    def action_chip(self) -> None:
        """f: the next key toggles one filter chip; the legend shows until it comes."""
        self.chip_pending = True
        self.query_one("#chip-keys", Static).add_class("-open")

    def action_chip_key(self, key: str) -> None:
        """The key after `f`: a chip's key toggles it; f or Escape leave unchanged."""
        self.chip_pending = False
        self.query_one("#chip-keys", Static).remove_class("-open")
        if key in CHIP_KEYS:
            toggled = toggle_chip(self.view_spec.filter, CHIP_KEYS[key][0])
            self.view_spec = replace(self.view_spec, filter=toggled)
            self.refresh_view()

    def action_filter(self) -> None:
        prompt = self.query_one("#filter", Input)
        prompt.value = format_filter(self.view_spec.filter)
        prompt.add_class("-open")
        # Focus now, not after a refresh (`Widget.focus` defers it): keys typed right behind
        # `/` are already queued, and until the prompt holds focus they would reach the grid,
        # where `p` picks and `s` re-sorts.
        self.set_focus(prompt)

    async def action_filter_submit(self) -> None:
        prompt = self.query_one("#filter", Input)
        # Return is acted on as it arrives, but the letters before it may still wait in the
        # prompt's own queue: let the prompt take them first, so `/picked⏎` filters on
        # "picked", and the keys after Return see the filtered sheet.
        typed = asyncio.Event()
        prompt.call_later(typed.set)
        with suppress(TimeoutError):
            await asyncio.wait_for(typed.wait(), timeout=5)
        value = prompt.value
        for note in filter_warnings(value):
            self.notify(note, title="filter", severity="warning", timeout=8)
        self.view_spec = replace(self.view_spec, filter=parse_filter(value))
        self.action_filter_close()
        self.refresh_view()

    def action_filter_close(self) -> None:
        self.query_one("#filter", Input).remove_class("-open")
        self.set_focus(self.sheet)  # at once, as when opening

    def action_clear_filter(self) -> None:
        self.view_spec = replace(self.view_spec, filter=parse_filter(""))
        self.refresh_view()

    def action_cycle_sort(self) -> None:
        order = ["newest", "oldest", "rating", "style", "content", "stat:blocking"]
        current = self.view_spec.sort
        next_sort = order[(order.index(current) + 1) % len(order)] if current in order else "newest"
        self.action_sort(next_sort)

    def action_sort(self, sort: str) -> None:
        if sort in SORTS:
            self.view_spec = replace(self.view_spec, sort=sort)
            self.refresh_view()

    def action_cycle_group(self) -> None:
        group = GROUPS[(GROUPS.index(self.view_spec.group) + 1) % len(GROUPS)]
        self.view_spec = replace(self.view_spec, group=group)
        self.refresh_view()

    def action_toggle_advance(self) -> None:
        self.auto_advance = not self.auto_advance
        self.notify(f"auto-advance {'on' if self.auto_advance else 'off'}")
        self.update_status()

    # ----------------------------------------------------------------- other screens

    def action_loupe(self) -> None:
        if self.sheet.current is not None:
            from .loupe import LoupeScreen

            self.app.push_screen(LoupeScreen(self.sheet.items, self.sheet.cursor))

    def compare_rows(self) -> list[RenderRow]:
        marked = self.sheet.marked_rows()
        if len(marked) >= 2:
            return marked[:4]
        current = self.sheet.current
        if current is None:
            return []
        same = [r for r in self.sheet.items[self.sheet.cursor :] if r.content == current.content]
        return (
            same[:4]
            if len(same) >= 2
            else self.sheet.items[self.sheet.cursor : self.sheet.cursor + 4]
        )

    def action_compare(self) -> None:
        rows = self.compare_rows()
        if len(rows) < 2:
            self.notify("mark two to four renders with m to compare them", severity="warning")
            return
        from .compare import CompareScreen

        self.app.push_screen(CompareScreen(rows, neighbours=list(self.sheet.items)))

    def action_survey(self) -> None:
        """N: the marked renders (up to 12) laid out to fill the screen, as Lightroom's N."""
        from .compare import SURVEY_MOST, CompareScreen

        rows = self.sheet.marked_rows()
        if len(rows) < 2:
            self.notify("mark two or more renders with m for a survey", severity="warning")
            return
        if len(rows) > SURVEY_MOST:
            self.notify(f"a survey shows {SURVEY_MOST}: the first {SURVEY_MOST} marked")
        self.app.push_screen(CompareScreen(rows, survey=True, neighbours=list(self.sheet.items)))

    def action_rerun(self) -> None:
        row = self.sheet.current
        if row is None:
            return
        try:
            job = self.capp.service.rerun(row)
        except StyleCoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"queued rerun {job}" if job else "that rerun is already queued")
        self.capp.refresh_queue_summary()

    def action_rerun_edit(self) -> None:
        row = self.sheet.current
        if row is None:
            return
        settings = self.capp.service.settings_of(row)
        if settings is None:
            self.notify(f"{row.file}: no settings recorded; cannot rerun", severity="error")
            return
        from .forms import RerunForm

        def queue(changes: dict[str, object] | None) -> None:
            if changes is None:
                return
            try:
                job = self.capp.service.rerun(row, changes)
            except StyleCoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"queued {job}" if job else "exactly that job is already queued")
            self.capp.refresh_queue_summary()

        self.app.push_screen(RerunForm(settings, row.content_name, row.style_name, row.file), queue)

    def action_queue_pairs(self) -> None:

        self.capp.open_queue_form()

    def action_promote(self) -> None:
        marked = [r for r in self.sheet.marked_rows() if r.is_preview]
        current = self.sheet.current
        rows = marked or ([current] if current is not None and current.is_preview else [])
        self._promote(rows, "mark previews with m, or put the cursor on one, to promote them")

    def action_promote_starred(self) -> None:
        rows = [r for r in self.sheet.items if r.is_preview and r.stars > 0]
        self._promote(rows, "no starred previews in this view")

    def _promote(self, rows: list[RenderRow], nothing: str) -> None:
        if not rows:
            self.notify(nothing, severity="warning")
            return
        from .forms import PromoteForm

        service = self.capp.service

        def queue(preset: str | None) -> None:
            if preset is None:
                return
            try:
                added, promoted = service.promote(rows, preset)
            except StyleCoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"queued {added} full render(s) of {promoted} preview(s) ({preset})")
            self.capp.refresh_queue_summary()

        self.app.push_screen(
            PromoteForm(len(rows), service.presets(), service.studio.config.default_preset), queue
        )

    def action_export(self) -> None:
        from .output import ExportDialog

        self.app.push_screen(ExportDialog(list(self.sheet.items), self.sheet.marked_rows()))

    def action_sheet(self) -> None:
        from .output import SheetDialog

        self.app.push_screen(SheetDialog(list(self.sheet.items), self.sheet.marked_rows()))

    def action_show_queue(self) -> None:
        self.app.push_screen("queue")

    def action_show_styles(self) -> None:
        self.app.push_screen("styles")

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())
