"""The curator app: one studio, its live contact sheet, and the other screens."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import events, work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen

from ..service import Changes, StudioService, shutdown_encoder
from .memory import RestingCollector, limit_malloc_arenas
from .themes import DEFAULT_THEME, load_themes
from .widgets import picture


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
    /* A checkbox reads at a glance in every theme: unticked is an empty box (the X drawn in
       the box's own colour), ticked a bold X in the success colour. Textual's default draws
       both as an X, told apart only by a shade that darkroom's greys wash out. */
    Checkbox > .toggle--button { color: $panel-lighten-2; background: $panel-lighten-2; }
    Checkbox.-on > .toggle--button {
        color: $success; background: $panel-lighten-2; text-style: bold;
    }
    """

    def __init__(
        self,
        service: StudioService,
        *,
        theme: str | None = None,
        watch: bool = True,
        background_work: bool = True,
    ) -> None:
        """The app over an open studio; it closes `service` when it ends."""
        limit_malloc_arenas()  # before the thumbnail workers start
        super().__init__()
        #: Python's cycle collection, moved out of keystrokes into the artist's pauses.
        self.collector = RestingCollector()
        self.service = service
        self.studio = service.studio
        self.watch_files = watch
        self.background_work = background_work
        self.requested_theme = theme or DEFAULT_THEME
        self.queue_summary = ""
        #: Why this studio cannot be written (read-only disk, full disk...), or None.
        self.read_only_reason = service.read_only_reason

    # ----------------------------------------------------------------- lifecycle

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notification; with sixel pictures, the contact sheet is drawn whole again
        once the toast is gone. A toast over the sheet's lower lines cuts Textual's writing of
        those lines before their ends, where each line carries its pictures (sixel data is
        drawn over blank cells): without this the pictures beside the toast would stay blank."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        if picture.painter_kind() == "sixel":
            shown = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
            self.set_timer(shown + 0.3, self._repaint_sheets)

    def _repaint_sheets(self) -> None:
        from .widgets.contact_sheet import ContactSheet

        for screen in self.screen_stack:
            for sheet in screen.query(ContactSheet):
                sheet.refresh()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):  # a key, the mouse
            self.collector.touch()  # the artist is at work: collect later
        await super().on_event(event)

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(0.25, self.collector.tick)
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
        if picture.note():
            self.notify(picture.note(), severity="warning", timeout=12)
        if self.read_only_reason:
            self.notify(
                f"This studio is open read-only ({self.read_only_reason}): you can look, write "
                "contact sheets and export elsewhere, but ratings and jobs cannot be saved.",
                severity="warning", timeout=12,
            )  # fmt: skip
        self.set_interval(2.0, self.refresh_queue_summary)
        if self.watch_files:
            self.service.watch(self._files_changed)
        if self.background_work:
            self.rescan_in_background()
            self.stats_in_background()

    def _files_changed(self, changes: Changes) -> None:
        """From the watcher's thread: hand the batch to the app's thread."""
        self.post_message(RendersChanged(changes))

    def on_unmount(self) -> None:
        self.collector.stop()
        self.service.close()
        shutdown_encoder()  # the sixel encoder's threads

    # ----------------------------------------------------------------- background work

    @work(thread=True, exclusive=True, group="rescan")
    def rescan_in_background(self) -> None:
        """Reconcile the catalog with renders/ (renders made while the app was closed)."""
        if self.service.rescan():
            self.post_message(RescanDone())

    @work(thread=True, exclusive=True, group="stats")
    def stats_in_background(self) -> None:
        """Measure styles and contents that have no statistics yet."""
        if self.service.compute_missing_stats():
            self.post_message(StatsDone())

    def on_rescan_done(self, message: RescanDone) -> None:
        self.service.reload()
        self.refresh_sheet()

    def on_stats_done(self, message: StatsDone) -> None:
        from .screens.styles import StylesScreen

        if self.is_screen_installed("styles"):
            styles = self.get_screen("styles")
            if isinstance(styles, StylesScreen):
                styles.refresh_rows()

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
        self.queue_summary = self.service.queue_summary().describe()
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
                result = service.queue_pairs(contents, styles_chosen, preset)
            except Exception as exc:  # a clear message, never a crash
                self.notify(str(exc), severity="error")
                return
            for path, problem in result.skipped:
                self.notify(f"{path.name}: {problem} (skipped)", severity="warning")
            self.notify(f"{result.describe()}, preset {preset}")
            self.refresh_queue_summary()

        def chances(photo: Path) -> tuple[dict[Path, tuple[float, str]], str]:
            ranked, basis = service.keeper_chances(photo, rescan=False)
            root = service.studio.root
            return {root / c.style: (c.chance, c.reason) for c in ranked}, basis

        self.push_screen(
            QueueForm(service.contents(), service.styles(), service.presets(),
                      service.studio.config.default_preset, preselected_styles=styles or [],
                      chances=chances),
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


def run_app(service: StudioService, graphics_mode: str = "auto", theme: str | None = None) -> None:
    """Choose the image renderer (before Textual owns the terminal), then run."""
    picture.choose(graphics_mode)
    CuratorApp(service, theme=theme).run()
