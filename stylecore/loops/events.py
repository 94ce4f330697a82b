"""What a render loop tells whoever displays it (no torch here: the app and the CLI read it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stylecore.rendering import ProgressReport
from stylecore.studio.queue import Job


@dataclass
class LoopEvent:
    """What the loop tells its display: a job started, progressed, finished or failed."""

    kind: str  # "start", "progress", "done", "failed", "requeued", "idle"
    jobs: Sequence[Job]
    progress: ProgressReport | None = None
    message: str = ""
