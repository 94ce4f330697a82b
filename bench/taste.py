"""Taste benchmark: does the keeper model learn an artist's taste from their ratings?

A simulated artist with a hidden taste (a rule on two style statistics, plus noise) rates
renders in a synthetic library: 64 style images made from the bundled paintings (blurred,
posterised, noised, tiled, recoloured by various amounts), each rendered on five photos. The
keeper model (curator.keepers) is fitted on a growing share of the ratings and ranks the
held-out renders; its AUC is printed beside the seed rules' (the style verdicts alone) and a
random order's 0.5. Below 20 kept and 20 rejected the model is not used, so the ranking is the
seed rules' exactly and can never be worse than them.

    python bench/taste.py [--renders 320] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from curator.keepers import Judged, KeeperModel, auc, prior  # noqa: E402
from stylecore.images import load_rgb  # noqa: E402
from stylecore.stats.measure import compute_stats  # noqa: E402


def library(rng: np.random.Generator, count: int) -> list[Image.Image]:
    """Style images: the bundled paintings, each varied at random."""
    paintings = [load_rgb(p, 256) for p in sorted((REPO / "samples/styles").iterdir())]
    styles = []
    for index in range(count):
        image = paintings[index % len(paintings)]
        kind = rng.integers(0, 5)
        if kind == 0:
            image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 4))))
        elif kind == 1:
            image = ImageOps.posterize(image, int(rng.integers(1, 4)))
        elif kind == 2:
            array = np.asarray(image, dtype=np.float64)
            noise = rng.normal(0, float(rng.uniform(5, 40)), array.shape)
            image = Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))
        elif kind == 3:
            image = ImageEnhance.Color(image).enhance(float(rng.uniform(0.1, 2.0)))
        else:
            image = ImageEnhance.Contrast(image).enhance(float(rng.uniform(0.4, 1.8)))
        styles.append(image)
    return styles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=320)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    stats = [compute_stats(image).to_dict() for image in library(rng, 64)]
    print(f"64 style images measured in {time.perf_counter() - started:.1f} s")

    # The hidden taste: saturated colour blocking, not noise; plus the mood of the day.
    def taste(s: dict) -> float:
        return 4.0 * s["blocking"] + 1.5 * s["saturation_mean"] - 2.0 * s["noise"]

    styles = rng.integers(0, len(stats), args.renders)
    scores = np.array([taste(stats[i]) for i in styles]) + rng.normal(0, 0.15, args.renders)
    kept = scores > np.median(scores)
    order = rng.permutation(args.renders)
    test = order[: args.renders // 4]
    pool = order[args.renders // 4 :]
    truth = kept[test].astype(float)
    seed_rules = auc(np.array([prior(stats[styles[i]])[0] for i in test]), truth)
    print(f"held-out renders: {len(test)}; random order AUC 0.50; seed rules AUC {seed_rules:.2f}")
    print("| judged renders | kept / rejected | model used | cross-validated AUC | held-out AUC |")
    print("| --- | --- | --- | --- | --- |")
    for judged_count in (10, 30, 60, 120, len(pool)):
        train = pool[:judged_count]
        judged = [Judged(stats[styles[i]], bool(kept[i])) for i in train]
        model = KeeperModel.fit(judged)
        if model is None:
            ranking = np.array([prior(stats[styles[i]])[0] for i in test])
            cv = "-"
        else:
            ranking = np.array([model.predict(stats[styles[i]]) for i in test])
            cv = f"{model.auc:.2f}"
        held_out = auc(ranking, truth)
        print(
            f"| {judged_count} | {int(kept[train].sum())} / {int((~kept[train]).sum())} | "
            f"{'yes' if model else 'no (seed rules)'} | {cv} | {held_out:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
