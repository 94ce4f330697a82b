"""curator: the terminal app and everything about curating renders."""

__version__ = "0.1.0"
