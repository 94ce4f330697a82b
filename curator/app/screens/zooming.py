"""The zoom and pan keys the loupe and compare share (their actions: zoom, zoom_cycle, pan)."""

from __future__ import annotations

from textual.binding import Binding

ZOOM_BINDINGS = [
    Binding("z", "zoom", "fit/100%"),
    Binding("Z", "zoom_cycle", "100/200/400%", show=False),
    Binding("shift+left,H", "pan(-1, 0)", "pan", show=False),
    Binding("shift+right,L", "pan(1, 0)", "pan", show=False),
    Binding("shift+up,K", "pan(0, -1)", "pan", show=False),
    Binding("shift+down,J", "pan(0, 1)", "pan", show=False),
]
