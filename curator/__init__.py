"""curator: the terminal app and everything about curating renders."""

from stylecore import __version__

__all__ = ["__version__"]
