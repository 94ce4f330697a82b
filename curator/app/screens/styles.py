"""The styles screen: the style library with its statistics, small previews, keeper rates, and
which statistics predict keepers; queue a style on chosen contents from here."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ListItem, ListView, Static

from ...service import PictureImage, StyleEntry, ThumbError
from ..widgets.footer import Footer
from ..widgets.picture import Picture
from .base import CuratorScreen

#: (key, title) of the sort orders the `s` key cycles through.
STYLE_SORTS = (
    ("name", "name"), ("keeper", "keeper rate"), ("blocking", "blocking"),
    ("value_contrast", "value contrast"), ("noise", "noise"), ("edge_density", "edges"),
    ("complementary", "complementary"), ("hue_spread", "hue spread"),
)  # fmt: skip


def style_line(entry: StyleEntry) -> str:
    stats = entry.stats
    rate = (
        f"keeper {entry.keeper_rate:.0%} of {entry.judged} judged"
        if entry.keeper_rate is not None
        else f"{entry.renders} renders, none judged"
    )
    if stats is None:
        return f"[b]{entry.name}[/]   {rate}\n[dim]statistics being measured…[/]"
    numbers = (
        f"contrast {stats['value_contrast']:.2f}  blocking {stats['blocking']:.2f}  "
        f"noise {stats['noise']:.2f}  edges {stats['edge_density']:.2f}  "
        f"hues {stats['hue_spread']:.2f}  compl {stats['complementary']:.2f}"
    )
    swatches = "".join(f"[on {c['hex']}]   [/]" for c in stats.get("palette", []))
    return f"[b]{entry.name}[/]   {rate}   {swatches}\n{numbers}\n[i]{stats['verdict']}[/]"


def _picture(thumb: PictureImage | ThumbError | None) -> PictureImage | None:
    return None if thumb is None or isinstance(thumb, ThumbError) else thumb


def sort_entries(entries: list[StyleEntry], key: str) -> list[StyleEntry]:
    if key == "name":
        return sorted(entries, key=lambda e: e.name.lower())
    if key == "keeper":
        return sorted(entries, key=lambda e: (e.keeper_rate is None, -(e.keeper_rate or 0)))
    return sorted(entries, key=lambda e: (e.stats is None, -float((e.stats or {}).get(key, 0))))


class StyleItem(ListItem):
    DEFAULT_CSS = """
    StyleItem { height: 5; }
    StyleItem > Horizontal { height: 5; }
    StyleItem Picture { width: 12; height: 5; }
    StyleItem .text { width: 1fr; height: 5; padding: 0 1; }
    """

    def __init__(self, entry: StyleEntry) -> None:
        super().__init__()
        self.entry = entry
        self.picture = Picture()
        self.text = Static(style_line(entry), classes="text")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.picture
            yield self.text


class StylesScreen(CuratorScreen):
    """S on the contact sheet."""

    BINDINGS = [
        Binding("escape,S", "close", "back"),
        Binding("s", "cycle_sort", "sort"),
        Binding("q", "queue_style", "queue on contents…"),
    ]
    DEFAULT_CSS = """
    StylesScreen { layout: vertical; }
    #styles-head { height: auto; background: $panel; padding: 0 1; }
    #styles { height: 1fr; }
    """
    COMMANDS_FOR_PALETTE = [
        ("cycle_sort", "Cycle style sort", "name, keeper rate, blocking, contrast, noise..."),
        ("queue_style", "Queue this style on contents", "Choose contents and a preset"),
        ("close", "Back to the contact sheet", "Leave the styles screen"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_index = 0
        self.entries: list[StyleEntry] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="styles-head")
        yield ListView(id="styles")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        if not self.is_mounted:
            return
        service = self.capp.service
        key, title = STYLE_SORTS[self.sort_index]
        self.entries = sort_entries(service.style_library(), key)
        predictors = sorted(service.predictors().items(), key=lambda item: -item[1]["separation"])[
            :3
        ]
        # Fewer than three keepers or three rejects say nothing about what predicts them.
        hint = ", ".join(
            f"{name} ({'higher' if p['auc'] > 0.5 else 'lower'} is better, AUC {p['auc']:.2f})"
            for name, p in predictors
            if p["separation"] > 0 and p["kept"] >= 3 and p["rejected"] >= 3
        )
        head = f"[b]{len(self.entries)} styles[/], sorted by {title}"
        head += (
            f"\nwhat predicts your keepers: {hint}"
            if hint
            else ("\nrate renders (stars, pick, reject) to learn which statistics predict keepers")
        )
        self.query_one("#styles-head", Static).update(head)
        listing = self.query_one(ListView)
        index = listing.index or 0
        listing.clear()
        for entry in self.entries:
            item = StyleItem(entry)
            listing.append(item)
            thumb = service.thumbs.cached(entry.path)
            if thumb is None:
                service.thumbs.request(entry.path, lambda path, t: self._thumb_ready(path))
            else:
                self.call_after_refresh(item.picture.show, _picture(thumb))
        listing.index = min(index, max(0, len(self.entries) - 1))
        listing.focus()

    def _thumb_ready(self, path: object) -> None:
        self.app.call_from_thread(self._show_thumb, path)

    def _show_thumb(self, path: object) -> None:
        for item in self.query(StyleItem):
            if item.entry.path == path:
                thumb = self.capp.service.thumbs.cached(item.entry.path)
                item.picture.show(_picture(thumb))

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(STYLE_SORTS)
        self.refresh_rows()

    @on(ListView.Selected)
    def queue_selected(self, event: ListView.Selected) -> None:
        self.action_queue_style()

    def action_queue_style(self) -> None:
        listing = self.query_one(ListView)
        if listing.index is None or not self.entries:
            return
        entry = self.entries[listing.index]
        self.capp.open_queue_form(styles=[entry.path])

    def action_close(self) -> None:
        self.app.pop_screen()
