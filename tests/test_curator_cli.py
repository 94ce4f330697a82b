"""`curator init`, `curator queue ...`, `curator render`: what scripts rely on."""

from __future__ import annotations

import json
import shutil

import pytest

from curator.cli import main

from .conftest import CONTENTS, STYLES


@pytest.fixture
def studio(tmp_path, monkeypatch):
    root = tmp_path / "studio"
    assert main(["init", str(root)]) == 0
    shutil.copy(CONTENTS / "coffee.png", root / "contents" / "coffee.png")
    for image in ("starry_night.jpg", "shipwreck.jpg"):
        shutil.copy(STYLES / image, root / "styles" / image)
    (root / "studio.toml").write_text(
        (root / "studio.toml").read_text()
        + "\n[presets.tiny]\nimage_size = 32\nnum_iterations = 2\n"
    )
    monkeypatch.chdir(root)  # commands default to the current directory
    return root


def out(capsys):
    return capsys.readouterr().out


def test_init_is_idempotent(studio, capsys):
    assert main(["init", str(studio)]) == 0
    assert "studio ready" in out(capsys)


def test_queue_add_counts_new_jobs(studio, capsys):
    args = ["queue", "add", "--contents", "contents", "--styles", "styles", "--preset", "tiny"]
    assert main(args) == 0
    assert "queued 2 new job(s) (0 already in the queue)" in out(capsys)
    assert main(args) == 0
    assert "queued 0 new job(s) (2 already in the queue)" in out(capsys)
    assert main([*args, "--set", "style_weight=1000"]) == 0
    assert "queued 2 new job(s)" in out(capsys)


def test_queue_list_json_and_management(studio, capsys):
    main(
        [
            "queue",
            "add",
            "--contents",
            "contents/coffee.png",
            "--styles",
            "styles",
            "--preset",
            "tiny",
        ]
    )
    out(capsys)
    assert main(["queue", "list", "--json"]) == 0
    jobs = json.loads(out(capsys))
    assert len(jobs) == 2 and {j["status"] for j in jobs} == {"queued"}
    assert jobs[0]["settings"]["image_size"] == 32
    first = jobs[0]["id"]
    assert main(["queue", "cancel", first[:6]]) == 0
    assert "cancelled 1 job(s)" in out(capsys)
    assert main(["queue", "retry", first]) == 0
    assert "requeued 1 job(s)" in out(capsys)
    assert main(["queue", "priority", "7", first]) == 0
    assert main(["render", ".", "--until-idle", "--device", "cpu", "--quiet"]) == 0
    assert "2 rendered, 0 failed" in out(capsys)
    assert main(["queue", "list"]) == 0
    assert out(capsys).count("done") == 2
    assert main(["queue", "clear", "--done"]) == 0
    assert "removed 2 finished job(s)" in out(capsys)


def _error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_errors_are_one_line(studio, capsys, tmp_path):
    assert main(["queue", "add", "--contents", "nope.png", "--styles", "styles"]) == 2
    assert "nope.png: file not found" in _error(capsys)
    assert (
        main(["queue", "add", "--contents", "contents", "--styles", "styles", "--preset", "x"]) == 2
    )
    assert "unknown preset 'x'" in _error(capsys)
    assert (
        main(["queue", "add", "--contents", "contents", "--styles", "styles", "--set", "oops"]) == 2
    )
    assert "expected KEY=VALUE" in _error(capsys)
    bad = ["queue", "add", "--contents", "contents", "--styles", "styles", "--set", "image_size=x"]
    assert main(bad) == 2
    assert "image_size: cannot read 'x'" in _error(capsys)
    assert main(["queue", "cancel", "ffffff"]) == 2
    assert "no job with id 'ffffff'" in _error(capsys)
    assert main(["queue", "list", "--studio", str(tmp_path / "elsewhere")]) == 2
    assert "no such folder" in _error(capsys)


def test_list_and_rate(tmp_path, capsys):
    from .studio_factory import make_studio

    studio = make_studio(tmp_path / "rated", renders=6)
    files = sorted(p for p in studio.renders.glob("*.png"))
    assert main(["rate", str(files[0]), str(files[1]), "--stars", "4", "--pick"]) == 0
    assert "rated 2 render(s)" in out(capsys)
    assert main(["rate", str(files[2]), "--reject", "--label", "red"]) == 0
    out(capsys)
    assert main(["list", str(studio.root), "--json"]) == 0
    rows = {r["file"]: r for r in json.loads(out(capsys))}
    assert len(rows) == 6
    assert (rows[files[0].name]["stars"], rows[files[0].name]["flag"]) == (4, "pick")
    assert (rows[files[2].name]["flag"], rows[files[2].name]["label"]) == ("reject", "red")
    assert set(rows[files[3].name]) >= {"file", "content", "style", "job_id", "stars", "flag",
                                         "label", "created"}  # fmt: skip
    assert main(["list", str(studio.root), "--picked", "--json"]) == 0
    assert len(json.loads(out(capsys))) == 2
    assert main(["list", str(studio.root), "--filter", "rejected label:red", "--json"]) == 0
    assert [r["file"] for r in json.loads(out(capsys))] == [files[2].name]
    assert main(["list", str(studio.root), "--stars", "4"]) == 0
    assert "2 of 6 renders" in out(capsys)


def test_rate_errors(tmp_path, capsys):
    from .studio_factory import make_studio

    studio = make_studio(tmp_path / "s", renders=1)
    render = next(studio.renders.glob("*.png"))
    assert main(["rate", str(render)]) == 2
    assert "say what to set" in _error(capsys)
    assert main(["rate", str(studio.renders / "nope.png"), "--stars", "1"]) == 2
    assert "nope.png: file not found" in _error(capsys)
    assert main(["rate", str(studio.contents / "chelsea.png"), "--stars", "1",
                 "--studio", str(studio.root)]) == 2  # fmt: skip
    assert "not a render" in _error(capsys)


def _actions_without_help(parser, path):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions_without_help(sub, [*path, name])
        elif not action.help and not isinstance(action, argparse._HelpAction):
            yield " ".join([*path, *(action.option_strings or [action.dest])])


def test_every_option_has_help_text():
    from curator.cli import build_parser
    from stylecore.cli import build_parser as stylecore_parser

    missing = [
        *_actions_without_help(build_parser()[0], ["curator"]),
        *_actions_without_help(stylecore_parser(), ["stylecore"]),
    ]
    assert missing == []


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`curator list --json | head` and `stylecore stats --json | head`: no traceback."""
    import subprocess
    import sys

    from .conftest import STYLES
    from .studio_factory import make_studio

    studio = make_studio(tmp_path / "s", renders=160, size=16)  # a JSON list over the 64 KB pipe
    images = [str(p) for p in sorted(STYLES.iterdir())] * 12
    for command in (
        [sys.executable, "-m", "curator.cli", "list", str(studio.root), "--json"],
        [sys.executable, "-m", "stylecore.cli", "stats", "--json", *images],
    ):
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(100)
        child.stdout.close()  # the reader goes away, as head does
        err = child.stderr.read().decode()
        assert child.wait(timeout=120) in (0, 141)
        assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_queue_add_skips_what_it_cannot_read_and_says_why(tmp_path, capsys):
    import shutil

    from .conftest import CONTENTS, STYLES

    studio = tmp_path / "s"
    main(["init", str(studio)])
    shutil.copy(CONTENTS / "chelsea.png", studio / "contents" / "a.png")
    shutil.copy(CONTENTS / "chelsea.png", studio / "contents" / "b.png")  # identical bytes
    (studio / "contents" / "notes.jpg").write_text("not an image")
    shutil.copy(STYLES / "shipwreck.jpg", studio / "styles")
    capsys.readouterr()
    args = ["queue", "add", "--studio", str(studio), "--contents", "contents", "--styles",
            "styles"]  # fmt: skip
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert "warning:" in err and "notes.jpg: not an image file Pillow can read (skipped)" in err
    assert "queued 1 new job(s) (0 already in the queue; 1 the same as another pair" in out
    (studio / "contents" / "notes.jpg").unlink()
    assert main(args) == 0
    assert "queued 0 new job(s) (1 already in the queue; 1 the same" in capsys.readouterr().out


def test_status_filters_and_no_op_commands_say_why(studio, capsys):
    main(["queue", "add", "--studio", str(studio), "--contents", "contents", "--styles",
          "styles", "--preset", "tiny"])  # fmt: skip
    capsys.readouterr()
    assert main(["queue", "list", "--studio", str(studio), "--status", "queued,cancelled",
                 "--json"]) == 0  # fmt: skip
    jobs = json.loads(capsys.readouterr().out)
    assert jobs and {job["status"] for job in jobs} <= {"queued", "cancelled"}
    assert main(["queue", "list", "--studio", str(studio), "--status", "bogus"]) == 2
    assert "a job is queued, running, done, failed, cancelled" in capsys.readouterr().err
    job = jobs[0]["id"]
    assert main(["queue", "retry", "--studio", str(studio), job]) == 0
    out = capsys.readouterr().out
    assert f"requeued 0 job(s); {job} is queued (retry takes failed or cancelled jobs)" in out


def test_render_nice_lowers_the_loop_s_priority(studio, monkeypatch, capsys):
    """`curator render --nice 5` (what the app and the demo start) lowers the loop's CPU
    priority before it loads anything; without it the priority is left alone."""
    import os

    calls: list[int] = []
    monkeypatch.setattr(os, "nice", lambda n: calls.append(n) or n)
    assert main(["render", ".", "--until-idle", "--device", "cpu", "--quiet", "--nice", "5"]) == 0
    assert main(["render", ".", "--until-idle", "--device", "cpu", "--quiet"]) == 0
    assert calls == [5]
