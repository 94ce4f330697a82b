"""Ratings survive a SIGKILL of the app: each is committed at its keystroke."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from curator.catalog import Catalog

from .studio_factory import make_studio

CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from curator.app.widgets import picture as graphics
    graphics.choose("halfcell")
    from curator.app.app import CuratorApp
    from curator.service import StudioService

    async def main():
        app = CuratorApp(StudioService.open(sys.argv[1]), watch=False, background_work=False)
        app.service.rescan()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("5", "right", "x", "right", "p", "7")
            print("rated", flush=True)
            time.sleep(60)  # killed here, with the app still open

    asyncio.run(main())
    """
)


def test_ratings_survive_sigkill(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=6)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(studio.root)],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd(),
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "rated"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    with Catalog(studio) as catalog:
        rows = catalog.all()  # newest first, the order the app showed them in
    assert [(r.stars, r.flag, r.label) for r in rows[:3]] == [
        (5, "", ""), (0, "reject", ""), (0, "pick", "yellow"),
    ]  # fmt: skip
