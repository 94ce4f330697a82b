"""File-name parts that are safe on any filesystem (and never climb out of a folder)."""

from __future__ import annotations

import re
import unicodedata


def safe_stem(text: str, limit: int = 40) -> str:
    """A file-name part that is safe on any filesystem: ASCII letters, digits, . _ -"""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")
    return cleaned[:limit].rstrip("-._") or "image"
