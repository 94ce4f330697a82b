"""Tonight's queue: keeper chances from statistics, then from the studio's own ratings."""

from __future__ import annotations

import json

import numpy as np

from curator.cli import main
from curator.keepers import MIN_EACH, Judged, KeeperModel, prior, rank
from stylecore.stats.measure import METRICS

from .studio_factory import make_studio


def stats(blocking: float, grade: str = "fair", **more: float) -> dict:
    values = {metric: 0.3 for metric in METRICS}
    values.update(blocking=blocking, verdict_grade=grade, **more)
    return values


def test_before_any_rating_the_verdict_orders_the_styles():
    assert (
        prior(stats(0.2, "good"))[0] > prior(stats(0.2, "fair"))[0] > prior(stats(0.2, "weak"))[0]
    )
    assert prior(stats(0.3, "fair"))[0] > prior(stats(0.1, "fair"))[0]
    assert prior(None) == (0.4, "not measured yet")


def test_the_studio_s_model_waits_for_enough_judgements_then_learns_them():
    rng = np.random.default_rng(0)
    few = [Judged(stats(0.3), True)] * (MIN_EACH - 1) + [Judged(stats(0.1), False)] * 40
    assert KeeperModel.fit(few) is None
    # This artist keeps noisy styles and rejects everything else, whatever the blocking.
    judged = [
        Judged(stats(float(rng.uniform(0, 0.4)), noise=float(noise)), noise > 0.5)
        for noise in rng.uniform(0, 1, 120)
    ]
    model = KeeperModel.fit(judged)
    assert model is not None and model.auc > 0.9
    assert model.predict(stats(0.1, noise=0.9)) > 0.7 > 0.3 > model.predict(stats(0.4, noise=0.1))
    # Labels unrelated to the statistics: cross-validation says so.
    coin = rng.integers(0, 2, len(judged))
    shuffled = [Judged(j.stats, bool(k)) for j, k in zip(judged, coin, strict=True)]
    blind = KeeperModel.fit(shuffled)
    assert blind is not None and abs(blind.auc - 0.5) < 0.2


def test_a_rejected_preview_lowers_its_style_for_that_photo():
    styles = {"styles/a.jpg": stats(0.3, "good"), "styles/b.jpg": stats(0.1, "fair")}
    assert [c.style for c in rank(styles, None)] == ["styles/a.jpg", "styles/b.jpg"]
    ranked = rank(styles, None, previews={"styles/a.jpg": False})
    assert [c.style for c in ranked] == ["styles/b.jpg", "styles/a.jpg"]
    assert ranked[1].reason == "its preview of this photo was rejected"


def test_queue_add_best_queues_the_untried_styles_most_likely_kept(tmp_path, capsys):
    studio = make_studio(tmp_path / "s", renders=12)  # every photo x three of four styles
    root = str(studio.root)
    args = ["queue", "add", "--studio", root, "--contents", "contents/chelsea.png"]
    assert main([*args, "--styles", "styles", "--best", "2"]) == 0
    out = capsys.readouterr().out
    assert "chances from the style statistics" in out
    assert "queued 1 new job(s)" in out  # only one style is untried on chelsea
    assert main(["queue", "list", "--studio", root, "--json"]) == 0
    jobs = json.loads(capsys.readouterr().out)
    assert len(jobs) == 1 and "matisse" in jobs[0]["styles"][0]
    assert main([*args, "--styles", "styles", "--best", "2"]) == 0
    assert "rendered or queued for this photo already" in capsys.readouterr().out
