"""What the terminal says it is (XTVERSION), asked before Textual owns the terminal.

textual-image draws kitty-protocol pictures through Unicode placeholders, which kitty has
understood since 0.28. Debian 12's kitty is 0.26.5: it answers the graphics query, so
textual-image picks the protocol, then rejects every placeholder command and shows rows of
empty boxes where the pictures should be. Asking the terminal its name and version
(`CSI > 0 q`, answered by kitty, xterm, foot, WezTerm, tmux...) tells the two apart; a terminal
that does not answer it answers the Primary Device Attributes query sent after it, so the
question costs one round trip, never a timeout.
"""

from __future__ import annotations

import os
import re
import sys
import time

_QUERY = b"\x1b[>0q\x1b[c"  # XTVERSION, then Primary DA as the sentinel
_NAME = re.compile(rb"\x1bP>\|([^\x1b]*)\x1b\\")
_PRIMARY_DA = re.compile(rb"\x1b\[\?[0-9;]*c")
_KITTY = re.compile(r"kitty\((\d+)\.(\d+)(?:\.(\d+))?\)")
#: The first kitty that draws pictures through Unicode placeholders.
KITTY_PLACEHOLDERS = (0, 28, 0)


def ask(read_fd: int, write_fd: int, timeout: float = 1.0) -> str | None:
    """The terminal's answer to XTVERSION on these descriptors ("kitty(0.26.5)", "XTerm(390)"),
    or None when it does not say within `timeout` seconds. The caller puts the terminal in
    a mode that hands over replies unechoed (`terminal_name` does)."""
    import select

    os.write(write_fd, _QUERY)
    data = b""
    deadline = time.monotonic() + timeout
    while not _PRIMARY_DA.search(data):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            break
        chunk = os.read(read_fd, 4096)
        if not chunk:
            break
        data += chunk
    found = _NAME.search(data)
    return found.group(1).decode("utf-8", "replace") if found else None


def terminal_name(timeout: float = 1.0) -> str | None:
    """What the terminal on stdin/stdout says it is; None without a terminal, on a system
    without termios, or when it does not say."""
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
        return None
    try:
        import termios
        import tty
    except ImportError:  # not POSIX
        return None
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)  # replies come byte by byte and are not echoed
        stdout.flush()
        return ask(fd, stdout.fileno(), timeout)
    except OSError:
        return None
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def without_placeholders(name: str | None) -> str | None:
    """A name such as "kitty 0.26.5" when `name` is a kitty older than the Unicode placeholders
    (whose pictures textual-image cannot draw); None for any other terminal or an unknown one."""
    found = _KITTY.search(name or "")
    if found is None:
        return None
    version = tuple(int(part or 0) for part in found.groups())
    if version >= KITTY_PLACEHOLDERS:
        return None
    return "kitty " + ".".join(str(part) for part in version)
