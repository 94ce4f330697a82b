"""The thumbnail cache: on disk by file identity, in memory, in a background pool, errors
in words."""

from __future__ import annotations

import os
import threading

from PIL import Image

from curator.thumbs import THUMB_SIZE, ThumbError, ThumbnailCache, thumb_key

from .studio_factory import make_studio


def test_made_once_then_served_from_disk_and_memory(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=2, size=400)
    render = sorted(studio.renders.glob("*.png"))[0]
    cache = ThumbnailCache(studio.thumbs)
    try:
        assert cache.cached(render) is None  # nothing decoded yet
        thumb = cache.get(render)
        assert isinstance(thumb, Image.Image) and max(thumb.size) == THUMB_SIZE
        assert len(list(studio.thumbs.glob("*.jpg"))) == 1
        assert cache.cached(render) is thumb
    finally:
        cache.close()
    fresh = ThumbnailCache(studio.thumbs)  # a new app: from the disk cache, not the PNG
    try:
        again = fresh.get(render)
        assert isinstance(again, Image.Image) and again.size == thumb.size
        assert len(list(studio.thumbs.glob("*.jpg"))) == 1
    finally:
        fresh.close()


def test_a_rewritten_file_gets_a_new_thumbnail(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=1)
    render = next(studio.renders.glob("*.png"))
    before = thumb_key(render)
    Image.new("RGB", (80, 60), (200, 0, 0)).save(render)
    os.utime(render, ns=(1, 10**18))
    assert thumb_key(render) != before


def test_a_broken_file_gives_its_reason_not_an_exception(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=0)
    broken = studio.renders / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    cache = ThumbnailCache(studio.thumbs)
    try:
        thumb = cache.get(broken)
        assert isinstance(thumb, ThumbError) and "not an image" in thumb.message
        missing = cache.get(studio.renders / "gone.png")
        assert isinstance(missing, ThumbError)
    finally:
        cache.close()


def test_requests_are_made_in_the_background_and_delivered(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=4)
    cache = ThumbnailCache(studio.thumbs, workers=2)
    arrived: dict[str, object] = {}
    all_in = threading.Event()
    renders = sorted(studio.renders.glob("*.png"))

    def done(path, thumb):
        arrived[path.name] = thumb
        if len(arrived) == len(renders):
            all_in.set()

    try:
        for render in renders:
            cache.request(render, done)
        assert all_in.wait(30)
        assert all(isinstance(t, Image.Image) for t in arrived.values())
        assert all(cache.cached(r) is arrived[r.name] for r in renders)
    finally:
        cache.close()


def test_no_temporary_files_are_left_behind(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=3)
    cache = ThumbnailCache(studio.thumbs)
    try:
        for render in studio.renders.glob("*.png"):
            cache.get(render)
    finally:
        cache.close()
    assert [p.name for p in studio.thumbs.iterdir() if p.name.startswith(".")] == []


def test_closing_with_thumbnails_queued_drops_them_quietly(tmp_path, caplog):
    """The app closing while pictures decode: the queued ones are cancelled, and nothing is
    logged as an error (it was printed on the artist's terminal after the app closed)."""
    studio = make_studio(tmp_path / "studio", renders=12)
    cache = ThumbnailCache(studio.thumbs, workers=1)
    delivered: list[str] = []
    for path in sorted(studio.renders.glob("*.png")):
        cache.request(path, lambda path, thumb: delivered.append(path.name))
    cache.close()
    assert len(delivered) < 12  # some were still queued and cancelled
    assert not [r for r in caplog.records if r.name == "concurrent.futures"]
