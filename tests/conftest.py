"""Shared fixtures: the bundled samples, one CPU renderer per session, tiny settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "2")
# OpenMP threads that sleep rather than spin while they wait: on a machine that is busy with
# renders (an artist's, a shared CI runner) spinning threads fight the other processes for the
# cores; measured here with two busy processes beside the engine tests: 131 s spinning, 42 s
# sleeping, 26 s against 24 s on a quiet machine. Set before torch loads OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
CONTENTS = SAMPLES / "contents"
STYLES = SAMPLES / "styles"


def sample_studio(root: Path, contents: tuple[str, ...], styles: tuple[str, ...]):
    """A fresh studio at `root` holding copies of the named bundled samples."""
    import shutil

    from stylecore.studio.folder import Studio

    studio = Studio.init(root)
    for name in contents:
        shutil.copy(CONTENTS / name, studio.contents / name)
    for name in styles:
        shutil.copy(STYLES / name, studio.styles / name)
    return studio


@pytest.fixture(scope="session")
def renderer():
    """The Gatys engine as the command line and the loops make it: with the preview painter
    that the default `init = "preview"` needs."""
    from stylecore.gatys.engine import Renderer
    from stylecore.preview.painter import PreviewPainter

    return Renderer("cpu", init_painter=PreviewPainter("cpu"))


@pytest.fixture
def tiny():
    """Settings small enough for a render in about a second on two cores."""
    from stylecore.settings import RenderSettings

    return RenderSettings(image_size=64, num_iterations=20)


@pytest.fixture
def cat() -> Path:
    return CONTENTS / "chelsea.png"


@pytest.fixture
def starry() -> Path:
    return STYLES / "starry_night.jpg"


@pytest.fixture
def scream() -> Path:
    return STYLES / "the_scream.jpg"
