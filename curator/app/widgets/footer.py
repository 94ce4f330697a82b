"""Textual's footer, with its keys made in the footer's own style.

Textual makes each key compact and then lets the footer's binding turn it back, restyling every
key twice: profiled, 81 style updates and some 180 ms of the contact sheet's first paint, paid
again whenever the footer is composed anew (on every change of screen or bindings). Keys born
in the footer's style are restyled by nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """The footer of every screen: Textual's, its keys made already in its style."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # The command palette's key is not bound to the footer's style: it stays compact.
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
