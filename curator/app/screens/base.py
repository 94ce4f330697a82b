"""What every screen of the app shares: the typed way to reach the app and its service."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from ..app import CuratorApp

ResultT = TypeVar("ResultT")


class CuratorScreen(Screen[None]):
    """A full screen of the curator app."""

    @property
    def capp(self) -> CuratorApp:
        return cast("CuratorApp", self.app)


class CuratorModal(ModalScreen[ResultT]):
    """A dialog of the curator app, dismissed with a result."""

    @property
    def capp(self) -> CuratorApp:
        return cast("CuratorApp", self.app)
