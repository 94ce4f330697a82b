"""The ratings journal: every rating change, appended to .curator/ratings.jsonl.

The database is the source of truth for ratings; the journal is its insurance. Each change is
one JSON line (the render's file name and job id, its stars, flag and label, and when), added
after the database commit. If the database is lost or damaged, replaying the journal (the last
line per render wins) brings every rating back: `curator doctor --repair` does it, and so does
a catalog created afresh beside a journal. Lines are short single writes to a file opened for
appending, so processes rating at once do not interleave them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .ratings import Rating

JOURNAL_NAME = "ratings.jsonl"


@dataclass(frozen=True)
class JournalEntry:
    file: str
    job_id: str | None
    rating: Rating
    when: float


class RatingsJournal:
    """The journal of one studio (`.curator/ratings.jsonl`)."""

    def __init__(self, state: Path) -> None:
        self.path = state / JOURNAL_NAME

    def append(self, changes: Iterable[tuple[str, str | None, Rating]]) -> bool:
        """Add (file, job id, rating) lines; False if the journal could not be written (a full
        disk): the ratings are in the database all the same."""
        now = round(time.time(), 3)
        lines = "".join(
            json.dumps(
                {"t": now, "file": file, "job": job, "stars": rating.stars,
                 "flag": rating.flag, "label": rating.label},
                separators=(",", ":"),
            ) + "\n"
            for file, job, rating in changes
        )  # fmt: skip
        if not lines:
            return True
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                os.write(fd, lines.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError:
            return False
        return True

    def entries(self) -> list[JournalEntry]:
        """Every readable line, oldest first (a torn last line is skipped)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        found: list[JournalEntry] = []
        for line in text.splitlines():
            try:
                data = json.loads(line)
                rating = Rating(int(data["stars"]), str(data["flag"]), str(data["label"]))
                found.append(JournalEntry(str(data["file"]), data.get("job"), rating, data["t"]))
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def latest(self) -> tuple[dict[str, Rating], dict[str, Rating]]:
        """The last rating of each render, by file name and by job id."""
        by_file: dict[str, Rating] = {}
        by_job: dict[str, Rating] = {}
        for entry in self.entries():
            if entry.rating.valid():
                by_file[entry.file] = entry.rating
                if entry.job_id:
                    by_job[entry.job_id] = entry.rating
        return by_file, by_job
