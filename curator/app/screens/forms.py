"""Dialogs: rerun with edited settings, and queue new content x style pairs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from stylecore.errors import SettingsError
from stylecore.settings import OPTIMIZERS, ORIGINAL_COLORS, RenderSettings

from ...service import collection_name

#: The settings the rerun form edits: (field, label).
RERUN_FIELDS = (
    ("image_size", "size (px)"),
    ("num_iterations", "iterations"),
    ("content_weight", "content weight"),
    ("style_weight", "style weight"),
    ("tv_weight", "tv weight"),
    ("chroma_tv_weight", "colour tv weight"),
    ("style_scale", "style scale"),
    ("seed", "seed"),
)


class RerunForm(ModalScreen[dict[str, Any] | None]):
    """R: edit a render's settings and queue it again. Returns the changed settings."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    RerunForm { align: center middle; }
    #rerun { width: 64; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    #rerun Grid { grid-size: 2; grid-columns: 18 1fr; grid-rows: 3; height: auto; }
    #rerun Label { padding: 1 0 0 0; }
    #rerun-error { color: $error; height: auto; }
    #rerun-buttons { height: 3; align-horizontal: right; }
    """

    def __init__(
        self, settings: RenderSettings, content: str = "", style: str = "", file: str = ""
    ) -> None:
        super().__init__()
        self.settings = settings
        #: Which render is rerun, said at the top so the artist knows what the form changes.
        self.subject = f"{content} × {style}" if content or style else ""
        self.file = file

    def compose(self) -> ComposeResult:
        with Vertical(id="rerun"):
            yield Static("[b]Rerun with edited settings[/]")
            if self.subject:
                yield Static(
                    f"[b]{escape(self.subject)}[/]\n[dim]{escape(self.file)}[/]", id="rerun-of"
                )
            with Grid():
                for name, label in RERUN_FIELDS:
                    yield Label(label)
                    yield Input(str(getattr(self.settings, name)), id=f"field-{name}")
                yield Label("colours")
                yield Select(
                    [(c, c) for c in ORIGINAL_COLORS],
                    value=self.settings.original_colors,
                    allow_blank=False,
                    id="field-original_colors",
                )
                yield Label("optimiser")
                yield Select(
                    [(o, o) for o in OPTIMIZERS],
                    value=self.settings.optimizer,
                    allow_blank=False,
                    id="field-optimizer",
                )
            yield Static("", id="rerun-error")
            with Horizontal(id="rerun-buttons"):
                yield Button("Queue", variant="primary", id="queue")
                yield Button("Cancel", id="cancel")

    def values(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, _ in RERUN_FIELDS:
            changes[name] = self.query_one(f"#field-{name}", Input).value.strip()
        for name in ("original_colors", "optimizer"):
            changes[name] = self.query_one(f"#field-{name}", Select).value
        return changes

    @on(Button.Pressed, "#queue")
    @on(Input.Submitted)
    def submit(self) -> None:
        changes = self.values()
        try:
            edited = self.settings.replace(**changes)
        except SettingsError as exc:
            self.query_one("#rerun-error", Static).update(str(exc))
            return
        different = {
            key: value for key, value in edited.to_dict().items()
            if value != self.settings.to_dict()[key]
        }  # fmt: skip
        self.dismiss(different)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PromoteForm(ModalScreen[str | None]):
    """P: which preset the promoted previews render with. Returns the preset name."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    PromoteForm { align: center middle; }
    #promote { width: 64; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    #promote-buttons { height: 3; align-horizontal: right; margin-top: 1; }
    """

    def __init__(self, count: int, presets: list[str], default: str) -> None:
        super().__init__()
        self.count = count
        self.presets = presets
        self.default = default if default in presets else presets[0]

    def compose(self) -> ComposeResult:
        with Vertical(id="promote"):
            yield Static(f"[b]Promote {self.count} preview(s) to full renders[/] with the preset:")
            yield Select([(p, p) for p in self.presets], value=self.default, allow_blank=False,
                         id="preset")  # fmt: skip
            with Horizontal(id="promote-buttons"):
                yield Button("Queue", variant="primary", id="queue")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#queue")
    def submit(self) -> None:
        self.dismiss(str(self.query_one("#preset", Select).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class QueueForm(ModalScreen[tuple[list[Path], list[Path], str] | None]):
    """q: choose contents, styles and a preset; queues every pair."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "submit", "queue"),
        Binding("ctrl+k", "sort_by_chance", "sort styles by keeper chance"),
    ]
    DEFAULT_CSS = """
    QueueForm { align: center middle; }
    #queue-count { height: auto; color: $text-muted; }
    #queue-form { width: 90; height: 80%; border: thick $accent; background: $surface;
                  padding: 1 2; }
    #lists { height: 1fr; }
    #lists SelectionList { width: 1fr; height: 1fr; }
    #queue-buttons { height: 3; align-horizontal: right; }
    #queue-error { color: $error; height: auto; }
    """

    def __init__(
        self,
        contents: list[Path],
        styles: list[Path],
        presets: list[str],
        default_preset: str,
        preselected_styles: list[Path] | None = None,
        chances: Callable[[Path], tuple[dict[Path, tuple[float, str]], str]] | None = None,
    ) -> None:
        """`chances(photo)`: each untried style's keeper chance for that photo and why, and
        one line on what the chances rest on (the service's keeper_chances)."""
        super().__init__()
        self.chances_of = chances
        self.chances: dict[Path, tuple[float, str]] = {}
        self.chance_basis = ""
        self.by_chance = False
        self.content_paths = contents
        self.style_paths = styles  # not `styles`: that is Textual's own attribute
        self.presets = presets
        self.default_preset = default_preset
        self.preselected = set(preselected_styles or [])

    def compose(self) -> ComposeResult:
        with Vertical(id="queue-form"):
            yield Static("[b]Queue content × style pairs[/]  (space toggles, ctrl+s queues)")
            with Horizontal(id="lists"):
                yield SelectionList[int](
                    *[(p.name, i, False) for i, p in enumerate(self.content_paths)], id="contents"
                )
                yield SelectionList[int](
                    *[(p.name, i, p in self.preselected) for i, p in enumerate(self.style_paths)],
                    id="styles",
                )
            yield Select(
                [(p, p) for p in self.presets],
                value=self.default_preset
                if self.default_preset in self.presets
                else self.presets[0],
                allow_blank=False,
                id="preset",
            )
            yield Static("", id="queue-count")
            yield Static("", id="queue-error")
            with Horizontal(id="queue-buttons"):
                yield Button("Queue", variant="primary", id="queue")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#contents", SelectionList).border_title = "contents"
        self.query_one("#styles", SelectionList).border_title = "styles"
        self.update_count()

    @on(SelectionList.SelectedChanged)
    def selection_changed(self, event: SelectionList.SelectedChanged) -> None:
        if event.selection_list.id == "contents":
            self.refresh_chances()
        self.update_count()

    def update_count(self) -> None:
        """How many pairs ctrl+s would queue, said before it is pressed."""
        contents = len(self.query_one("#contents", SelectionList).selected)
        styles = len(self.query_one("#styles", SelectionList).selected)
        basis = f"\n{self.chance_basis}" if self.chance_basis else ""
        self.query_one("#queue-count", Static).update(
            f"{contents} content(s) x {styles} style(s) = {contents * styles} pair(s) to queue"
            f"{basis}"
        )

    def refresh_chances(self) -> None:
        """Keeper chances for the first chosen photo, beside each style."""
        chosen = self.query_one("#contents", SelectionList).selected
        if self.chances_of is None or not chosen:
            self.chances, self.chance_basis = {}, ""
        else:
            self.chances, self.chance_basis = self.chances_of(self.content_paths[chosen[0]])
        self.relabel_styles()

    def relabel_styles(self) -> None:
        styles = self.query_one("#styles", SelectionList)
        selected = set(styles.selected)
        order = list(range(len(self.style_paths)))
        if self.by_chance:
            order.sort(key=lambda i: -self.chances.get(self.style_paths[i], (-1.0, ""))[0])
        styles.clear_options()
        for index in order:
            path = self.style_paths[index]
            chance = self.chances.get(path)
            if chance is not None:
                label = f"{chance[0]:4.0%}  {path.name}"
            elif self.chances:
                label = f" --   {path.name}  (rendered or queued)"
            else:
                label = path.name
            styles.add_option((label, index, index in selected))

    def action_sort_by_chance(self) -> None:
        """ctrl+k: styles by keeper chance for the chosen photo (again: by name)."""
        self.by_chance = not self.by_chance
        if self.by_chance and not self.chances:
            self.refresh_chances()
        else:
            self.relabel_styles()

    @on(Button.Pressed, "#queue")
    def action_submit(self) -> None:
        contents = [
            self.content_paths[i] for i in self.query_one("#contents", SelectionList).selected
        ]
        styles = [self.style_paths[i] for i in self.query_one("#styles", SelectionList).selected]
        if not contents or not styles:
            self.query_one("#queue-error", Static).update(
                "choose at least one content and one style"
            )
            return
        self.dismiss((contents, styles, str(self.query_one("#preset", Select).value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CollectionForm(ModalScreen[str | None]):
    """B: the name of the collection to put the render (or the marked renders) in, or take
    them out of when all are in it. Lists the collections there are. Returns the name."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    CollectionForm { align: center middle; }
    #collection { width: 64; height: auto; border: thick $accent; background: $surface;
                  padding: 1 2; }
    #collection-error { color: $error; height: auto; }
    """

    def __init__(self, count: int, existing: list[tuple[str, int]]) -> None:
        super().__init__()
        self.count = count
        self.existing = existing

    def compose(self) -> ComposeResult:
        names = ", ".join(f"{name} ({n})" for name, n in self.existing) or "none yet"
        with Vertical(id="collection"):
            yield Static(
                f"[b]Collection for {self.count} render(s)[/]  (Return: in, or out if all"
                f" are in it)\n[dim]collections: {escape(names)}[/]"
            )
            yield Input(placeholder="a name, one word: portfolio, print, client-a", id="name")
            yield Static("", id="collection-error")

    def on_mount(self) -> None:
        # At once, not after a refresh: letters typed right behind B are already queued.
        self.set_focus(self.query_one("#name", Input))

    @on(Input.Submitted, "#name")
    def submit(self) -> None:
        try:
            name = collection_name(self.query_one("#name", Input).value)
        except ValueError:
            self.query_one("#collection-error", Static).update("one word, no commas")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
