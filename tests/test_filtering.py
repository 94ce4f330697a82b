"""Filtering, sorting and grouping: pure functions over catalog rows."""

from __future__ import annotations

import pytest

from curator.catalog import RenderRow
from curator.filtering import Filter, ViewSpec, apply_view, format_filter, parse_filter


def row(id: int, *, stars=0, flag="", label="", content="c/photo.png", style="s/paint.jpg",
        engine="gatys", created=None) -> RenderRow:  # fmt: skip
    return RenderRow(
        id, f"r{id}.png", f"job{id}", engine, content, style, None, "[]", 64, 48, 0,
        float(created if created is not None else id), None, None, stars, flag, label,
    )  # fmt: skip


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", Filter()),
        ("unrated", Filter(unrated=True)),
        ("picked rejected", Filter(picked=True, rejected=True)),
        ("stars>=3", Filter(min_stars=3)),
        ("*4", Filter(min_stars=4)),
        ("stars<=2", Filter(max_stars=2)),
        ("stars=5", Filter(min_stars=5, max_stars=5)),
        ("label:red", Filter(label="red")),
        ("content:cat style:starry", Filter(content="cat", style="starry")),
        ("preview", Filter(engine="preview")),
        ("final", Filter(engine="gatys")),
    ],
)
def test_parse_and_format_round_trip(text, expected):
    assert parse_filter(text) == expected
    assert parse_filter(format_filter(expected)) == expected


def test_matching():
    rows = [row(1, stars=5), row(2, flag="reject"), row(3, flag="pick", stars=2),
            row(4, label="red"), row(5, engine="preview", content="c/cat.png")]  # fmt: skip
    ids = lambda f: [r.id for r in rows if parse_filter(f).matches(r)]  # noqa: E731
    assert ids("unrated") == [4, 5]
    assert ids("picked") == [3]
    assert ids("stars>=2") == [1, 3]
    assert ids("label:red") == [4]
    assert ids("preview") == [5] and ids("content:cat") == [5]
    assert ids("r3") == [3]  # any other word matches the file, content or style


def test_sorts_and_groups():
    rows = [row(1, stars=2, style="s/b.jpg"), row(2, stars=5, style="s/a.jpg"),
            row(3, flag="pick", style="s/a.jpg"), row(4, flag="reject", stars=5)]  # fmt: skip
    order = lambda sort: [r.id for r in apply_view(rows, ViewSpec(sort=sort))[0].rows]  # noqa: E731
    assert order("newest") == [4, 3, 2, 1]
    assert order("oldest") == [1, 2, 3, 4]
    # 5 stars first, then 2 stars, then the unrated pick, rejects last (even with 5 stars).
    assert order("rating") == [2, 1, 3, 4]
    tie = [row(1, stars=3), row(2, stars=3, flag="pick")]
    assert [r.id for r in apply_view(tie, ViewSpec(sort="rating"))[0].rows] == [2, 1]
    groups = apply_view(rows, ViewSpec(group="style"))
    assert [g.title for g in groups] == ["a", "b", "paint"]
    assert [r.id for r in groups[0].rows] == [3, 2]


def test_strict_comparisons_of_stars():
    assert parse_filter("stars>3").min_stars == 4
    assert parse_filter("stars<2").max_stars == 1
    assert parse_filter(">5").min_stars == 5


def test_words_that_look_like_typos_are_reported_not_silently_searched():
    from curator.filtering import filter_warnings

    assert filter_warnings("picked stars>=3 style:scream label:red chelsea") == []
    notes = filter_warnings("pikced lable:red label:mauve rating>3")
    assert len(notes) == 4
    assert "did you mean 'picked'" in notes[0]
    assert "unknown key" in notes[1]
    assert "labels are" in notes[2]
    assert "only stars compare" in notes[3]


def test_filter_chips_toggle_and_cycle():
    from curator.filtering import chips, toggle_chip

    spec = parse_filter("cat style:starry")
    spec = toggle_chip(spec, "stars:3")
    assert spec.min_stars == 3 and chips(spec) == ["★≥3"]
    assert toggle_chip(spec, "stars:3").min_stars == 0  # again: off
    assert toggle_chip(spec, "stars:4").min_stars == 4
    rejects = [spec]
    for _ in range(3):
        rejects.append(toggle_chip(rejects[-1], "rejects"))
    assert [(s.norejects, s.rejected) for s in rejects] == [
        (False, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    engines = [spec]
    for _ in range(3):
        engines.append(toggle_chip(engines[-1], "engine"))
    assert [s.engine for s in engines] == ["", "preview", "gatys", ""]
    busy = toggle_chip(toggle_chip(toggle_chip(spec, "picked"), "rejects"), "engine")
    assert chips(busy) == ["★≥3", "picks", "no rejects", "previews"]
    cleared = toggle_chip(busy, "clear")
    assert chips(cleared) == [] and cleared.text == ("cat",) and cleared.style == "starry"
    assert parse_filter(format_filter(busy)) == busy  # the chips read back as typed words


def test_norejects_leaves_rejects_out():
    rows = [row(1, flag="reject"), row(2, flag="pick"), row(3)]
    assert [r.flag for r in rows if parse_filter("norejects").matches(r)] == ["pick", ""]


def test_stacks_collapse_each_pair_to_its_best_rated_render():
    from curator.filtering import stack_key

    rows = [
        row(1, stars=2, content="c/cat.png", style="s/starry.jpg"),
        row(2, stars=5, content="c/cat.png", style="s/starry.jpg"),
        row(3, flag="pick", content="c/cat.png", style="s/starry.jpg"),
        row(4, stars=1, content="c/cat.png", style="s/scream.jpg"),
        row(5, stars=3, content="c/cup.png", style="s/starry.jpg"),
    ]
    newest = sorted(rows, key=lambda r: -r.id)  # ids double as creation order here
    [group] = apply_view(newest, ViewSpec(stacks=True))
    assert [r.id for r in group.rows] == [5, 4, 2]  # the 5-star render tops its stack
    assert group.stacks == {2: "3"}
    key = stack_key(rows[0])
    [group] = apply_view(newest, ViewSpec(stacks=True, open_stacks=frozenset({key})))
    assert [r.id for r in group.rows] == [5, 4, 2, 1, 3]  # open: the top, then by rating
    assert group.stacks == {2: "1/3", 1: "2/3", 3: "3/3"}  # 2 stars above an unrated pick
    [group] = apply_view(newest, ViewSpec(stacks=True, filter=parse_filter("stars<=3")))
    assert [r.id for r in group.rows] == [5, 4, 1] and group.stacks == {1: "2"}
    [group] = apply_view(newest, ViewSpec())  # stacks off: every render
    assert len(group.rows) == 5 and group.stacks == {}
