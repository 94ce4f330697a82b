"""Which pictures the app draws in which terminal: `picture.choose` run in a child process on a
real pseudo-terminal, with the test answering the terminal's queries (textual-image's graphics
probe and Primary DA, our XTVERSION) as xterm, tmux or kitty would."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import tty

import pytest

from curator.app.widgets.terminal_name import ask, without_placeholders

CHOOSE = """
import sys
from curator.app.widgets import picture
try:
    cls = picture.choose(sys.argv[1])
    print("CHOSE", getattr(cls, "__name__", cls), picture.mode(), "|", picture.note(), "|END")
except picture.GraphicsUnavailable as exc:
    print("REFUSED", exc, "|END")
"""


def run_in_terminal(mode: str, *, sixel=False, tgp=False, name: bytes | None = None) -> str:
    """`picture.choose(mode)` in a child on a pty; this side answers as the terminal would:
    Primary DA (with 4 for sixel), the kitty graphics query (OK when `tgp`), XTVERSION with
    `name` (no answer when None, as xterm without it)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 1600, 1000))
    child = subprocess.Popen(
        [sys.executable, "-c", CHOOSE, mode],
        stdin=slave, stdout=slave, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen, output = b"", b""
    queries = re.compile(rb"\x1b_Gi=(\d+)[^\x1b]*\x1b\\|\x1b\[>0q|\x1b\[c")
    deadline = time.monotonic() + 30
    try:
        while b"|END" not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if child.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            output += chunk
            seen += chunk
            while (query := queries.search(seen)) is not None:
                seen = seen[query.end() :]
                if query.group(1) is not None:  # kitty's graphics query
                    if tgp:
                        os.write(master, b"\x1b_Gi=%s;OK\x1b\\" % query.group(1))
                elif query.group(0) == b"\x1b[>0q":
                    if name is not None:
                        os.write(master, b"\x1bP>|%s\x1b\\" % name)
                else:
                    os.write(master, b"\x1b[?62;4;22c" if sixel else b"\x1b[?62;22c")
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    found = re.search(r"(CHOSE|REFUSED) (.*?)\|END", text, re.DOTALL)
    assert found, (text, child.stderr.read().decode() if child.stderr else "")
    return f"{found.group(1)} {found.group(2)}".strip()


@pytest.mark.timeout(120)
def test_auto_in_a_terminal_without_graphics_draws_our_half_cells():
    """tmux and plain terminals: our own half-cell widget (textual-image's goes through Rich
    cell by cell), not textual-image's AutoImage."""
    assert run_in_terminal("auto").startswith("CHOSE HalfcellPicture halfcell")


@pytest.mark.timeout(120)
def test_auto_in_a_sixel_terminal_draws_our_sixel():
    assert run_in_terminal("auto", sixel=True).startswith("CHOSE SixelPicture sixel")


@pytest.mark.timeout(120)
def test_an_old_kitty_gets_half_cells_and_a_note_and_a_new_one_its_protocol():
    """kitty 0.26 answers the graphics query but draws no Unicode placeholders (boxes where
    the pictures should be): half cells, and the app says why. kitty 0.28 and later keep it."""
    old = run_in_terminal("auto", tgp=True, name=b"kitty(0.26.5)")
    assert old.startswith("CHOSE HalfcellPicture halfcell")
    assert "kitty 0.26.5" in old and "0.28" in old
    new = run_in_terminal("auto", tgp=True, name=b"kitty(0.35.2)")
    assert new == "CHOSE AutoImage auto |"  # textual-image's kitty pictures, and no note
    refused = run_in_terminal("kitty", tgp=True, name=b"kitty(0.26.5)")
    assert refused.startswith("REFUSED --graphics kitty: kitty 0.26.5 cannot show")
    assert "\n" not in refused


def test_the_version_question_costs_one_round_trip():
    """A terminal that does not answer XTVERSION answers the Primary DA sent behind it: no
    wait for a timeout."""
    master, slave = pty.openpty()
    tty.setcbreak(slave)  # replies handed over as they come, as terminal_name sets it
    try:
        os.write(master, b"\x1b[?62;22c")  # the answer is waiting before the question
        started = time.monotonic()
        assert ask(slave, slave, timeout=10.0) is None
        assert time.monotonic() - started < 5.0  # not the 10 s timeout
        os.write(master, b"\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c")
        assert ask(slave, slave, timeout=5.0) == "kitty(0.26.5)"
    finally:
        os.close(master)
        os.close(slave)


def test_which_kittys_lack_placeholders():
    assert without_placeholders("kitty(0.26.5)") == "kitty 0.26.5"
    assert without_placeholders("kitty(0.27)") == "kitty 0.27.0"
    assert without_placeholders("kitty(0.28.0)") is None
    assert without_placeholders("kitty(0.40.1)") is None
    assert without_placeholders("XTerm(390)") is None
    assert without_placeholders(None) is None


async def test_the_app_says_why_its_pictures_are_half_cells(tmp_path):
    """The note `choose` leaves (an old kitty) is shown when the app opens."""
    from curator.app.widgets import picture

    from .studio_factory import make_studio
    from .test_app import SIZE, make_app, wait_until

    studio = make_studio(tmp_path / "studio", renders=2)
    picture.choose("halfcell")
    picture._chosen["note"] = "Pictures in half cells: kitty 0.26.5 cannot show them"
    try:
        app = make_app(studio)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(
                pilot, lambda: any("kitty 0.26.5" in str(n.message) for n in app._notifications)
            )
    finally:
        picture.choose("halfcell")  # and no note
    assert picture.note() == ""
