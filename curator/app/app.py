"""The curator app: one studio, its live contact sheet, and the other screens."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen

from stylecore.studio import Studio

from ..service import StudioService
from ..watcher import Changes, FolderWatcher
from . import graphics
from .themes import DEFAULT_THEME, load_themes


class RendersChanged(Message):
    """Files landed, changed, moved or left renders/, styles/ or contents/."""

    def __init__(self, changes: Changes) -> None:
        super().__init__()
        self.changes = changes


class RescanDone(Message):
    """The start-up reconciliation of the catalog with the folders finished."""


class StatsDone(Message):
    """Background statistics of styles and contents finished."""


class CuratorApp(App[None]):
    """`curator [STUDIO]`."""

    TITLE = "curator"
    CSS = """
    Screen { background: $background; }
    """

    def __init__(
        self,
        studio: Studio,
        *,
        theme: str | None = None,
        watch: bool = True,
        background_work: bool = True,
    ) -> None:
        super().__init__()
        self.studio = studio
        self.service = StudioService(studio)
        self.watch_files = watch
        self.background_work = background_work
        self.requested_theme = theme or DEFAULT_THEME
        self.watcher: FolderWatcher | None = None
        self.queue_summary = ""

    # ----------------------------------------------------------------- lifecycle

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        if self.requested_theme in self.available_themes:
            self.theme = self.requested_theme
        else:
            self.notify(f"unknown theme {self.requested_theme!r}", severity="warning")
        from .screens.queue import QueueScreen
        from .screens.sheet import SheetScreen
        from .screens.styles import StylesScreen

        self.install_screen(QueueScreen(), "queue")
        self.install_screen(StylesScreen(), "styles")
        self.refresh_queue_summary()
        self.push_screen(SheetScreen())
        self.set_interval(2.0, self.refresh_queue_summary)
        if self.watch_files:
            self.watcher = FolderWatcher(
                {"renders": self.studio.renders, "styles": self.studio.styles,
                 "contents": self.studio.contents},
                lambda changes: self.post_message(RendersChanged(changes)),
            )  # fmt: skip
            self.watcher.start()
        if self.background_work:
            self.rescan_in_background()
            self.stats_in_background()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.service.close()

    # ----------------------------------------------------------------- background work

    @work(thread=True, exclusive=True, group="rescan")
    def rescan_in_background(self) -> None:
        """Reconcile the catalog with renders/ (renders made while the app was closed)."""
        from ..catalog import Catalog

        with Catalog(self.studio) as catalog:
            changed, gone, _ = catalog.scan()
        if changed or gone:
            self.post_message(RescanDone())

    @work(thread=True, exclusive=True, group="stats")
    def stats_in_background(self) -> None:
        """Measure styles and contents that have no statistics yet."""
        from stylecore.stats_store import StatsStore

        with StatsStore(self.studio) as store:
            done = store.compute_missing()
        if done:
            self.post_message(StatsDone())

    def on_rescan_done(self, message: RescanDone) -> None:
        self.service.reload()
        self.refresh_sheet()

    def on_stats_done(self, message: StatsDone) -> None:
        self.service._style_stats.clear()
        if self.is_screen_installed("styles"):
            self.get_screen("styles").refresh_rows()  # type: ignore[attr-defined]

    def on_renders_changed(self, message: RendersChanged) -> None:
        self.service.apply_changes(message.changes)
        if "renders" in message.changes.kinds():
            self.refresh_sheet()
        if {"styles", "contents"} & message.changes.kinds():
            self.stats_in_background()

    def refresh_sheet(self) -> None:
        from .screens.sheet import SheetScreen

        for screen in self.screen_stack:
            if isinstance(screen, SheetScreen):
                screen.refresh_view()

    def refresh_queue_summary(self) -> None:
        counts = self.service.queue.counts()
        loops = len(self.service.loops())
        parts = [f"{counts[s]} {s}" for s in ("running", "queued", "failed") if counts[s]]
        loop_text = f"{loops} loop{'s' if loops != 1 else ''}" if loops else "no render loop"
        self.queue_summary = f"queue: {', '.join(parts) or 'empty'} · {loop_text}"
        from .screens.sheet import SheetScreen

        if isinstance(self.screen, SheetScreen):
            self.screen.update_status()

    # ----------------------------------------------------------------- shared dialogs

    def open_queue_form(self, styles: list | None = None) -> None:
        from .screens.forms import QueueForm

        service = self.service

        def queue(choice: tuple[list, list, str] | None) -> None:
            if choice is None:
                return
            contents, styles_chosen, preset = choice
            try:
                added, total = service.queue_pairs(contents, styles_chosen, preset)
            except Exception as exc:  # a clear message, never a crash
                self.notify(str(exc), severity="error")
                return
            self.notify(f"queued {added} new job(s) of {total} pairs ({preset})")
            self.refresh_queue_summary()

        self.push_screen(
            QueueForm(service.contents(), service.styles(), service.presets(),
                      service.studio.config.default_preset, preselected_styles=styles or []),
            queue,
        )  # fmt: skip

    # ----------------------------------------------------------------- command palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from .screens.sheet import COMMANDS as SHEET_COMMANDS

        commands = getattr(screen, "COMMANDS_FOR_PALETTE", None)
        if commands is None and screen.__class__.__name__ == "SheetScreen":
            commands = SHEET_COMMANDS
        for action, title, help_text in commands or ():
            yield SystemCommand(title, help_text, partial(screen.run_action, action))


def run_app(studio: Studio, graphics_mode: str = "auto", theme: str | None = None) -> None:
    """Choose the image renderer (before Textual owns the terminal), then run."""
    graphics.choose(graphics_mode)
    CuratorApp(studio, theme=theme).run()
