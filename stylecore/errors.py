"""Errors the engine reports to people: each renders as one line naming the file and the problem."""

from __future__ import annotations

from pathlib import Path


class StyleCoreError(Exception):
    """Base of every error meant to be shown to the user as a single line."""


class ImageError(StyleCoreError):
    """An input image that cannot be used, with the file named."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class WeightsError(StyleCoreError):
    """Network weights that are missing or unreadable, with what to do about it."""


class SettingsError(StyleCoreError):
    """A render setting that is out of range or malformed."""


class DeviceError(StyleCoreError):
    """A device that was asked for but is not present."""


class RenderCancelled(StyleCoreError):
    """Raised from a progress callback to stop a render cleanly."""
