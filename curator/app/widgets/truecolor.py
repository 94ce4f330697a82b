"""Textual's ANSI-to-truecolor filter, applied once to what a widget paints instead of to every
line of every frame.

Textual passes each new line of every widget through `ANSIToTruecolor`, which looks up every
segment's style again: profiled, a third of a half-cell pan step at 100% and of a move on the
contact sheet (the sheet's lines are joined anew whenever one tile on them changes, and the
pictures' colours are truecolor already). Widgets drawing pictures leave the filter out
(`without_ansi_filter`); the contact sheet applies it to each tile, title and message when it
paints them (`ansi_filtered`), where its painted pieces are kept and reused.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.color import Color
from textual.filter import ANSIToTruecolor, LineFilter
from textual.strip import Strip


def without_ansi_filter(filters: Sequence[LineFilter]) -> list[LineFilter]:
    """`filters` but Textual's ANSI-to-truecolor one (NO_COLOR's and dim still apply)."""
    return [each for each in filters if not isinstance(each, ANSIToTruecolor)]


def ansi_filtered(
    strips: list[Strip], filters: Sequence[LineFilter], background: Color
) -> list[Strip]:
    """`strips` through the ANSI-to-truecolor filters among `filters` (none when the app draws
    ANSI colours natively), as Textual would have applied them to the lines they end up on."""
    wanted = [each for each in filters if isinstance(each, ANSIToTruecolor)]
    if not wanted:
        return strips
    filtered = []
    for strip in strips:
        for each in wanted:
            strip = strip.apply_filter(each, background)
        filtered.append(strip)
    return filtered
