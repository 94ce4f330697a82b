"""Which renders a view shows, in what order and groups: filter, sort, group.

Pure data over catalog rows, shared by the app and `curator list`. A filter can be written as
one line, the way the app's `/` prompt and `curator list --filter` take it:

    unrated | picked | rejected | unflagged | norejects | preview | final
    stars>=N  (or *N, stars=N, stars<=N)     label:red     in:COLLECTION (in:quick)
    content:TEXT  style:TEXT                 any other word: matched against file, content, style
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stylecore.stats.measure import METRICS

from .catalog import RenderRow
from .ratings import LABELS

SORTS = ("newest", "oldest", "rating", "style", "content", *(f"stat:{m}" for m in METRICS))
GROUPS = ("none", "content", "style")


@dataclass(frozen=True)
class Filter:
    unrated: bool = False
    picked: bool = False
    rejected: bool = False
    unflagged: bool = False
    #: Rejects left out (the "rejects hidden" chip); `rejected` shows only them.
    norejects: bool = False
    min_stars: int = 0
    max_stars: int = 5
    label: str = ""
    content: str = ""
    style: str = ""
    engine: str = ""  # "preview" or "gatys" (final renders)
    #: Only renders in this collection (`in:quick`, `in:NAME`).
    collection: str = ""
    text: tuple[str, ...] = ()

    def matches(self, row: RenderRow) -> bool:
        if self.unrated and (row.stars or row.flag):
            return False
        if self.picked and row.flag != "pick":
            return False
        if self.rejected and row.flag != "reject":
            return False
        if self.unflagged and row.flag:
            return False
        if self.norejects and row.flag == "reject":
            return False
        if not self.min_stars <= row.stars <= self.max_stars:
            return False
        if self.label and row.label != self.label:
            return False
        if self.engine and row.engine != self.engine:
            return False
        if self.collection and not row.in_collection(self.collection):
            return False
        if self.content and self.content not in row.content.lower():
            return False
        if self.style and self.style not in row.style.lower():
            return False
        haystack = f"{row.file} {row.content} {row.style}".lower()
        return all(word in haystack for word in self.text)

    @property
    def active(self) -> bool:
        return self != Filter()

    def describe(self) -> str:
        return format_filter(self) or "all"


#: Words that switch on one of the filter's yes/no conditions.
FLAG_WORDS = ("unrated", "picked", "rejected", "unflagged", "norejects")

_STARS = re.compile(r"^(?:stars)?(>=|<=|>|<|=|\*)(\d)$")
#: Every word with a meaning of its own, for "did you mean" when a word looks like a typo.
KNOWN_WORDS = (*FLAG_WORDS, "preview", "previews", "final", "finals", "stars>=", "label:", "in:")
_PREFIXES = ("label:", "content:", "style:", "in:")


def parse_filter(text: str) -> Filter:
    """Parse the one-line filter language (see the module docstring); unknown words are text."""
    result = Filter()
    words: list[str] = []
    for token in text.lower().split():
        stars = _STARS.match(token)
        if token in FLAG_WORDS:
            switch: dict[str, Any] = {token: True}
            result = replace(result, **switch)
        elif token in ("preview", "previews"):
            result = replace(result, engine="preview")
        elif token in ("final", "finals"):
            result = replace(result, engine="gatys")
        elif stars:
            op, value = stars.group(1), int(stars.group(2))
            if op in (">=", "*"):
                result = replace(result, min_stars=value)
            elif op == ">":
                result = replace(result, min_stars=min(value + 1, 5))
            elif op == "<=":
                result = replace(result, max_stars=value)
            elif op == "<":
                result = replace(result, max_stars=max(value - 1, 0))
            else:
                result = replace(result, min_stars=value, max_stars=value)
        elif token.startswith("label:") and token[6:] in LABELS:
            result = replace(result, label=token[6:])
        elif token.startswith("content:"):
            result = replace(result, content=token[8:])
        elif token.startswith("style:"):
            result = replace(result, style=token[6:])
        elif token.startswith("in:") and len(token) > 3:
            result = replace(result, collection=token[3:])
        else:
            words.append(token)
    return replace(result, text=tuple(words))


def filter_warnings(text: str) -> list[str]:
    """What in a typed filter is probably not what the artist meant, one line per word.

    Unknown words still search file names (a content or style name typed alone works), but a
    word that looks like a keyword with a typo, an unknown `key:` or a comparison that is not
    about stars is said out loud instead of silently matching nothing.
    """
    notes = []
    for token in text.lower().split():
        if parse_filter(token).text == ():
            continue
        if ":" in token:
            key = token.split(":", 1)[0] + ":"
            if key == "label:":
                notes.append(f"{token!r}: labels are {', '.join(LABELS[1:])}")
            elif key not in _PREFIXES:
                notes.append(f"{token!r}: unknown key; try {', '.join(_PREFIXES)}")
        elif any(op in token for op in "<>=*"):
            notes.append(f"{token!r}: only stars compare, as in stars>=3 (0 to 5)")
        else:
            close = difflib.get_close_matches(token, KNOWN_WORDS, n=1, cutoff=0.75)
            if close:
                notes.append(f"{token!r} searches file names; did you mean {close[0]!r}?")
    return notes


def format_filter(spec: Filter) -> str:
    """The filter back in the one-line language (parse_filter(format_filter(f)) == f)."""
    parts = [name for name in FLAG_WORDS if getattr(spec, name)]
    if spec.engine:
        parts.append("preview" if spec.engine == "preview" else "final")
    if spec.min_stars and spec.min_stars == spec.max_stars:
        parts.append(f"stars={spec.min_stars}")
    else:
        if spec.min_stars:
            parts.append(f"stars>={spec.min_stars}")
        if spec.max_stars < 5:
            parts.append(f"stars<={spec.max_stars}")
    if spec.label:
        parts.append(f"label:{spec.label}")
    if spec.content:
        parts.append(f"content:{spec.content}")
    if spec.style:
        parts.append(f"style:{spec.style}")
    if spec.collection:
        parts.append(f"in:{spec.collection}")
    return " ".join([*parts, *spec.text])


#: The one-key filter chips (after `f` in the app): key -> (chip, what it toggles).
CHIP_KEYS: dict[str, tuple[str, str]] = {
    **{str(n): (f"stars:{n}", f"{n} stars and up") for n in range(1, 6)},
    "p": ("picked", "picks only"),
    "x": ("rejects", "rejects: hidden, only, shown"),
    "u": ("unrated", "unrated only"),
    "v": ("engine", "previews, finals, both"),
    "0": ("clear", "clear the chips"),
}


def toggle_chip(spec: Filter, chip: str) -> Filter:
    """`spec` with one chip toggled: stars:N sets "N stars and up" (again: off); picked and
    unrated switch; rejects cycle shown -> hidden -> only; engine cycles both -> previews ->
    finals; clear drops every chip and keeps the typed words and key: terms."""
    if chip.startswith("stars:"):
        value = int(chip[6:])
        if spec.min_stars == value and spec.max_stars == 5:
            return replace(spec, min_stars=0)
        return replace(spec, min_stars=value, max_stars=5)
    if chip == "picked":
        return replace(spec, picked=not spec.picked, unrated=False)
    if chip == "unrated":
        return replace(spec, unrated=not spec.unrated, picked=False)
    if chip == "rejects":
        if spec.rejected:
            return replace(spec, rejected=False, norejects=False)
        if spec.norejects:
            return replace(spec, rejected=True, norejects=False)
        return replace(spec, norejects=True)
    if chip == "engine":
        following = {"": "preview", "preview": "gatys", "gatys": ""}
        return replace(spec, engine=following[spec.engine])
    if chip == "clear":
        return Filter(
            label=spec.label, content=spec.content, style=spec.style,
            collection=spec.collection, text=spec.text,
        )  # fmt: skip
    raise ValueError(f"unknown filter chip {chip!r}")


def chips(spec: Filter) -> list[str]:
    """The active one-key conditions as short chip labels, for the header."""
    out = []
    if spec.min_stars and spec.max_stars == 5:
        out.append(f"★≥{spec.min_stars}")
    elif spec.min_stars or spec.max_stars < 5:
        out.append(f"★{spec.min_stars}-{spec.max_stars}")
    out += [label for flag, label in (
        ("picked", "picks"), ("unrated", "unrated"), ("unflagged", "unflagged"),
        ("norejects", "no rejects"), ("rejected", "rejects only"),
    ) if getattr(spec, flag)]  # fmt: skip
    if spec.engine:
        out.append("previews" if spec.engine == "preview" else "finals")
    return out


#: A stack: the renders of one content x style pair (seeds, reruns, a preview and its render).
StackKey = tuple[str, str]


def stack_key(row: RenderRow) -> StackKey:
    return (row.content, row.style)


@dataclass(frozen=True)
class ViewSpec:
    filter: Filter = field(default_factory=Filter)
    sort: str = "newest"
    group: str = "none"
    #: Stacks on: each content x style pair shows as one tile, its best-rated render.
    stacks: bool = False
    #: Stacks shown open (every render, the top first) while stacks are on.
    open_stacks: frozenset[StackKey] = frozenset()

    def describe(self) -> str:
        group = "" if self.group == "none" else f", grouped by {self.group}"
        stacks = ", stacked" if self.stacks else ""
        return f"{self.filter.describe()}, {self.sort}{group}{stacks}"


@dataclass(frozen=True)
class Group:
    title: str
    rows: tuple[RenderRow, ...]
    #: With stacks on, a badge per render id: "3" on a closed stack's top (3 renders in
    #: it), "1/3", "2/3"... on the renders of an open one; no entry for a render alone.
    stacks: dict[int, str] = field(default_factory=dict)


StatLookup = Callable[[RenderRow, str], float | None]


def apply_view(
    rows: Sequence[RenderRow], view: ViewSpec, stat: StatLookup | None = None
) -> list[Group]:
    """Filter, sort, stack and group rows; without grouping, one untitled group."""
    return arrange_view(filter_and_sort(rows, view, stat), view)


def filter_and_sort(
    rows: Sequence[RenderRow], view: ViewSpec, stat: StatLookup | None = None
) -> list[RenderRow]:
    """The rows the filter keeps, in the view's order (the costly half of a view: the
    service caches it while the rows, filter and sort stay the same)."""
    # The filter is skipped when it would keep everything: 10,000 calls cost 40 ms a view.
    kept = [row for row in rows if view.filter.matches(row)] if view.filter.active else list(rows)
    kept.sort(key=_sort_key(view.sort, stat))
    return kept


def arrange_view(kept: Sequence[RenderRow], view: ViewSpec) -> list[Group]:
    """Filtered, sorted rows stacked and grouped as the view asks."""
    badges: dict[int, str] = {}
    if view.stacks:
        kept, badges = _stacked(kept, view.open_stacks)
    kept = list(kept)
    if view.group == "none":
        return [Group("", tuple(kept), badges)]
    by: dict[str, list[RenderRow]] = {}
    for row in kept:
        key = row.content_name if view.group == "content" else row.style_name
        by.setdefault(key, []).append(row)
    return [
        Group(title, tuple(items), {row.id: badges[row.id] for row in items if row.id in badges})
        for title, items in sorted(by.items(), key=lambda i: i[0].lower())
    ]


@dataclass(frozen=True)
class _Stacking:
    """The stacks of one ordered list of rows: each stack's members (best-rated first) and
    each stack's top in the order the rows came."""

    tops: list[tuple[StackKey, RenderRow]]
    members: dict[StackKey, list[RenderRow]]


#: The rows stacked last and their stacking: opening or closing a stack re-arranges the same
#: rows, so the pass over them (some 45 ms for 10,000 renders) is not made again.
_last_stacking: list[tuple[Sequence[RenderRow], _Stacking]] = []


def _stacking(rows: Sequence[RenderRow]) -> _Stacking:
    if _last_stacking and _last_stacking[0][0] is rows:
        return _last_stacking[0][1]
    members: dict[StackKey, list[RenderRow]] = {}
    first: dict[StackKey, None] = {}  # the stacks in order of their first row
    for row in rows:
        key = (row.content, row.style)  # stack_key, inlined: 10,000 calls
        stack = members.get(key)
        if stack is None:
            members[key] = [row]
            first[key] = None
        else:
            stack.append(row)
    best = _sort_key("rating", None)
    for stack in members.values():
        if len(stack) > 1:
            stack.sort(key=best)
    positions = {row.id: index for index, row in enumerate(rows)}
    tops = sorted(((key, members[key][0]) for key in first), key=lambda t: positions[t[1].id])
    stacking = _Stacking(tops, members)
    _last_stacking[:] = [(rows, stacking)]
    return stacking


def stack_members(rows: Sequence[RenderRow], key: StackKey) -> list[RenderRow]:
    """The renders of stack `key` among the ordered `rows`, its top first (best-rated)."""
    return list(_stacking(rows).members.get(key, ()))


def _stacked(
    rows: Sequence[RenderRow], open_stacks: frozenset[StackKey]
) -> tuple[list[RenderRow], dict[int, str]]:
    """Sorted rows with each stack reduced to its top (its best-rated render, by the rating
    sort) where the top falls in the order; an open stack's other renders follow its top."""
    stacking = _stacking(rows)
    out: list[RenderRow] = []
    badges: dict[int, str] = {}
    for key, top in stacking.tops:
        stack = stacking.members[key]
        if len(stack) == 1:
            out.append(top)
        elif key in open_stacks:
            for position, member in enumerate(stack, start=1):
                out.append(member)
                badges[member.id] = f"{position}/{len(stack)}"
        else:
            out.append(top)
            badges[top.id] = str(len(stack))
    return out, badges


def _sort_key(sort: str, stat: StatLookup | None) -> Callable[[RenderRow], tuple]:
    if sort == "oldest":
        return lambda r: (r.created, r.id)
    if sort == "rating":
        # Stars first (5 on top), a pick ahead of an unflagged render of the same stars,
        # rejects last: an unrated pick does not jump above the 5-star renders.
        return lambda r: (
            r.flag == "reject",
            -r.stars,
            r.flag != "pick",
            -r.created,
            -r.id,
        )
    if sort == "style":
        return lambda r: (r.style_name.lower(), r.content_name.lower(), -r.created)
    if sort == "content":
        return lambda r: (r.content_name.lower(), r.style_name.lower(), -r.created)
    if sort.startswith("stat:") and stat is not None:
        metric = sort[5:]

        def by_stat(row: RenderRow) -> tuple:
            value = stat(row, metric)
            return (value is None, -(value or 0.0), -row.created)

        return by_stat
    return lambda r: (-r.created, -r.id)


def describe_row(row: RenderRow) -> str:
    return f"{Path(row.file).name}: {row.content_name} x {row.style_name}"
