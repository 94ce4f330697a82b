"""The help screen: every key, Lightroom's conventions."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = """\
[b]Contact sheet[/]
  arrows, h j k l   move            page up/down, home, end   jump
  enter, space      loupe           c    compare the marked (or this and its neighbours)
  N                 survey: the marked renders (up to 12) laid out to fill the screen
  m                 mark / unmark   marked renders are rated together
  n                 jump to the renders that landed while you looked (the header counts them)
  + -               bigger / smaller tiles (tiny to half the screen; studio.toml tile_size)
  0 - 5             stars           x reject   p pick   u unflag
  6 7 8 9           red, yellow, green, blue label (again to remove)
  ctrl+z, ctrl+y    undo, redo of ratings, flags and labels
  a                 auto-advance after rating (on/off)
  /                 filter: unrated picked rejected norejects stars>=3 preview final
                    style:NAME content:NAME label:red in:quick in:NAME (other words search names)
  b, B              quick collection in/out (◉ on the tile); a named collection (○)
  T, t              stacks on/off (a content x style pair as one tile, ▣N); open/close one
  f then a key      filter chips: 1-5 stars and up, p picks, x rejects hidden/only/shown,
                    u unrated, v previews/finals/both, 0 clears the chips
  s                 cycle sort (newest, oldest, rating, style, content, blocking)
  g                 group: none, by content, by style
  r                 rerun with a new seed          R   rerun with edited settings
  q                 queue new pairs (contents x styles, preset)
  P                 promote previews (marked, or the current one) to full renders
  e                 export picks: layered PSD and ORA over the original, XMP sidecars
  w                 write a contact sheet (PDF or PNG) of the current view
  Q                 queue screen   S styles screen   ?  this help
  ctrl+p            command palette: every action, sorts, themes
  ctrl+q            quit

[b]Loupe[/]   left/right previous/next (a filmstrip of neighbours below), the rating keys, esc back
        z fit / 100%   Z 100, 200, 400%   H J K L or shift+arrows pan (an overview shows where)
        o before/after (the photo)
        t stack preview: what the exported PSD shows with this render on top
[b]Compare[/] c (2-4 renders) or N survey (up to 12 marked), laid out to fill the screen;
        left/right choose a panel, the rating keys rate it; z Z zoom and H J K L pan every
        panel together; esc back
[b]Queue[/]   c cancel, r retry, + - priority, L start a render loop, K stop loops, q queue
[b]Styles[/]  s sort, enter or q queue the style on chosen contents
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 100; height: 80%; border: thick $accent; background: $surface; padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(KEYS)

    def action_close(self) -> None:
        self.dismiss(None)
