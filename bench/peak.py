"""How close a step is to this CPU's compute peak: sgemm GFLOP/s against the FLOPs of one
forward and backward pass of the VGG up to relu5_1 (counted by torch's FlopCounterMode).
Divide a measured s/step into the FLOPs to see the rate an engine sustains.

    python bench/peak.py
"""

from __future__ import annotations

import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from stylecore.gatys.vgg import build_network

LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"]


def sgemm_gflops(n: int = 4096, reps: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 / ((time.perf_counter() - start) / reps) / 1e9


def step_gflop(size: int) -> float:
    net = build_network("caffe", LAYERS)
    x = torch.randn(1, 3, size, size, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        feats = net(x.contiguous(memory_format=torch.channels_last))
        sum(f.square().mean() for f in feats.values()).backward()
    return counter.get_total_flops() / 1e9


def main() -> None:
    peak = sgemm_gflops()
    print(f"sgemm 4096x4096: {peak:.0f} GFLOP/s")
    for size in (256, 512):
        flop = step_gflop(size)
        print(f"{size} px: {flop:.1f} GFLOP per step, {flop / peak:.3f} s/step at the sgemm rate")


if __name__ == "__main__":
    main()
