"""Lightroom's rating keys, shared by the contact sheet, the loupe and compare: one set of
bindings and one set of actions; each screen says only which renders a key rates and how it
shows what changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual.binding import Binding, BindingType
from textual.widgets import Input

from stylecore.errors import StyleCoreError

from ...service import LABELS
from .base import CuratorScreen

#: One footer entry, "0-5 stars", stands for the six digit keys (room at 100 columns).
RATING_KEYS = [
    Binding(str(n), f"rate({n})", "stars" if n == 5 else f"{n}★", show=n == 5,
            key_display="0-5" if n == 5 else None)
    for n in range(6)
]  # fmt: skip
LABEL_KEYS = [
    Binding(str(key), f"label('{name}')", name, show=False)
    for key, name in zip(range(6, 10), LABELS[1:5], strict=True)
]
#: What the rating and flag keys do, wherever renders are rated.
RATE_BINDINGS = [
    *RATING_KEYS,
    Binding("x", "flag('reject')", "reject"),
    Binding("p", "flag('pick')", "pick"),
    Binding("u", "flag('')", "unflag", show=False),
    *LABEL_KEYS,
    Binding("ctrl+z", "undo", "undo", show=False),
    Binding("ctrl+y", "redo", "redo", show=False),
]


def in_order(bindings: Iterable[Binding]) -> list[BindingType]:
    """The bindings of a rating screen, acted on in the order the keys came.

    Textual routes an ordinary key to the focused widget's queue and runs its binding only
    when the key has bubbled back up, by which time the keys behind it are already routed. A
    key that opens a prompt (`/`) or a dialog (`R`) therefore reached the grid with the next
    few keys still bound to ratings: a fast `/picked` picked the render. Priority bindings run
    as each key arrives, so every key sees the focus and the screen that the keys before it
    left; `RatingScreen.check_action` hands typing keys to a focused prompt.
    """
    return [replace(binding, priority=True) for binding in bindings]


class RatingScreen(CuratorScreen):
    """A screen whose keys rate renders. Ratings go through the service (committed at each
    key, undoable); subclasses supply `rating_targets` and `show_changes`."""

    #: Actions that act while a text prompt of this screen has focus (and only then).
    PROMPT_ACTIONS: frozenset[str] = frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a prompt has focus, its keys are text: no rating, moving or sorting."""
        typing = isinstance(self.focused, Input)
        return (action in self.PROMPT_ACTIONS) == typing

    def rating_targets(self) -> list[int]:
        """Ids of the renders a rating key applies to here."""
        raise NotImplementedError

    def show_changes(self, changed: list[int], *, rated: bool) -> None:
        """Redraw after renders changed: by a rating key (`rated`) or by undo and redo."""
        raise NotImplementedError

    def _rate(
        self,
        *,
        stars: int | None = None,
        flag: str | None = None,
        label: str | None = None,
        toggle_label: bool = False,
    ) -> None:
        targets = self.rating_targets()
        if not targets:
            return
        try:
            changed = self.capp.service.rate(
                targets, stars=stars, flag=flag, label=label, toggle_label=toggle_label
            )
        except StyleCoreError as exc:  # a read-only studio, a full disk: say why, lose nothing
            self.notify(str(exc), severity="error", timeout=8)
            return
        if changed:
            self.show_changes(changed, rated=True)

    def _history(self, changed: list[int], verb: str) -> None:
        if changed:
            self.show_changes(changed, rated=False)
        else:
            self.notify(f"nothing to {verb}", severity="warning")

    def action_rate(self, stars: int) -> None:
        self._rate(stars=stars)

    def action_flag(self, flag: str) -> None:
        self._rate(flag=flag)

    def action_label(self, name: str) -> None:
        self._rate(label=name, toggle_label=True)

    def action_undo(self) -> None:
        self._history(self.capp.service.undo(), "undo")

    def action_redo(self) -> None:
        self._history(self.capp.service.redo(), "redo")
