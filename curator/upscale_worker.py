"""The waifu2x worker process (see curator.upscale): reads one JSON request per line on
stdin, {"src": PNG, "dst": PNG, "scale": factor}, enlarges with waifu2x's cunet model and
answers one JSON line, {"ok": true} or {"ok": false, "error": ...}. At the end of its input
it stops the library, without which the process never exits.

    python -m curator.upscale_worker   (started by curator.upscale.Waifu2x; stderr discarded)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _start() -> Any:
    from sr_vulkan import sr_vulkan as sr

    cpu_only = sr.init() < 0  # no Vulkan: the CPU, on every core
    gpus = sr.getGpuInfo()
    if gpus and len(gpus) == 1 and "LLVM" in gpus[0]:
        cpu_only = True  # a software Vulkan is slower than ncnn's own CPU path
    status = sr.initSet(-1, sr.getCpuCoreNum()) if cpu_only else sr.initSet(0)
    if status < 0:
        raise RuntimeError(f"initialisation failed ({sr.getLastError() or status})")
    return sr


def _enlarge(sr: Any, request: dict[str, Any], number: int) -> dict[str, Any]:
    data = Path(request["src"]).read_bytes()
    scale = float(request["scale"])
    if sr.add(data, sr.MODEL_WAIFU2X_CUNET_UP2X, number, scale, format="png") <= 0:
        return {"ok": False, "error": sr.getLastError() or "the image was not accepted"}
    answer = sr.load(0)  # blocks until this image is done
    if not answer or not answer[0]:
        return {"ok": False, "error": sr.getLastError() or "no image came back"}
    Path(request["dst"]).write_bytes(answer[0])
    return {"ok": True}


def main() -> int:
    try:
        sr = _start()
    except Exception as exc:  # the parent reads the reason from the first answer
        for _ in sys.stdin:
            print(json.dumps({"ok": False, "error": f"waifu2x unavailable: {exc}"}), flush=True)
        return 1
    try:
        for number, line in enumerate(sys.stdin, start=1):
            try:
                reply = _enlarge(sr, json.loads(line), number)
            except (OSError, ValueError, KeyError) as exc:
                reply = {"ok": False, "error": str(exc)}
            print(json.dumps(reply), flush=True)
    finally:
        sr.stop()
    sys.stdout.flush()
    os._exit(0)  # the library's threads are stopped; skip interpreter teardown


if __name__ == "__main__":
    sys.exit(main())
