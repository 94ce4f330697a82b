"""Faults benchmark: every hostile or unlucky case of issue 16, through the real command line.

Each case builds what it needs in a temporary folder, runs `curator` / `stylecore` as a user
would (subprocesses), and checks the outcome: a one-line error where one is due, nothing
written outside its folder, no job and no rating lost. Any "Traceback" on a command's output
counts against it. Mounts (a small tmpfs for a full disk, read-only bind mounts) need root;
without it those cases are reported as skipped.

    python bench/faults.py [--only NAME...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.render_files import write_render  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.spec import ImageRef, RenderSpec  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402
from tests.mounts import can_mount, fill, read_only_view, small_disk  # noqa: E402

SAMPLES = REPO / "samples"
TRACEBACKS = 0


@dataclass
class Outcome:
    expected: str
    observed: str
    ok: bool


def run(
    *args: str, tool: str = "curator", timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """A command as a user runs it; counts the tracebacks it prints."""
    global TRACEBACKS
    module = "curator.cli" if tool == "curator" else "stylecore.cli"
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    TRACEBACKS += (done.stdout + done.stderr).count("Traceback")
    return done


def queue_add(
    studio: Studio, contents: str, styles: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """`curator queue add` on `studio`, contents and styles relative to it, then `options`."""
    return run(
        "queue", "add", "--studio", str(studio.root), "--contents", contents, "--styles", styles,
        *options,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], *words: str) -> bool:
    err = done.stderr.strip()
    return done.returncode == 2 and err.count("\n") == 0 and all(w in err for w in words)


def make_studio(root: Path, renders: int = 6) -> Studio:
    studio = Studio.init(root)
    for kind in ("contents", "styles"):
        for image in sorted((SAMPLES / kind).iterdir()):
            if image.suffix in (".png", ".jpg"):
                shutil.copy(image, studio.root / kind / image.name)
    contents, styles = sorted(studio.contents.iterdir()), sorted(studio.styles.iterdir())
    for index in range(renders):
        content, style = contents[index % len(contents)], styles[(index // 2) % len(styles)]
        spec = RenderSpec(
            ImageRef.of(studio.relative(content), base=studio.root),
            (ImageRef.of(studio.relative(style), base=studio.root),),
            RenderSettings(image_size=64, seed=index),
        )
        picture = ImageOps.colorize(
            ImageOps.grayscale(Image.open(content)).resize((64, 48)),
            black=(20, 20, 40),
            white=(255, 190, 150),
        )
        write_render(
            picture,
            studio.renders / f"{content.stem}__{style.stem}__{spec.job_id()}.png",
            spec,
            {"size": [64, 48]},
        )
    return studio


def digest(folder: Path) -> str:
    """A hash of every file under `folder` (names and bytes): to prove nothing changed."""
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            hasher.update(path.relative_to(folder).as_posix().encode())
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


def ratings(studio: Path) -> dict[str, tuple[int, str, str]]:
    listing = json.loads(run("list", str(studio), "--json").stdout or "[]")
    return {row["file"]: (row["stars"], row["flag"], row["label"]) for row in listing}


# --------------------------------------------------------------------------- the cases


def export_through_links(tmp: Path) -> Outcome:
    """1. A link in the export folder (manifest, sidecar, photo folder), dangling or not."""
    studio = make_studio(tmp / "s")
    run("rate", *map(str, sorted(studio.renders.glob("*.png"))), "--stars", "5")
    refused, outside_changed = 0, 0
    cases = [("manifest.json", False), ("manifest.json", True), ("xmp", False), ("folder", True)]
    for index, (name, dangling) in enumerate(cases):
        out, outside = tmp / f"out{index}", tmp / f"outside{index}"
        out.mkdir()
        outside.mkdir()
        victim = outside / "victim"
        if not dangling:
            victim.write_text("precious")
        if name == "manifest.json":
            (out / name).symlink_to(victim)
        elif name == "xmp":
            run("export", str(studio.root), "-o", str(tmp / "probe"))
            xmp = next((tmp / "probe").glob("*/*.xmp"))
            (out / xmp.parent.name).mkdir()
            (out / xmp.parent.name / xmp.name).symlink_to(victim)
        else:
            folder = sorted(studio.contents.iterdir())[0].stem
            (out / folder).symlink_to(outside, target_is_directory=True)
        before = digest(outside)
        for force in ((), ("--force",)):
            done = run("export", str(studio.root), "-o", str(out), *force)
            refused += one_line(done, "symbolic link") or one_line(done, "outside")
        outside_changed += digest(outside) != before or (dangling and victim.exists())
    return Outcome(
        "8 refusals in one line, nothing outside written",
        f"{refused} refusals, {outside_changed} outside folders changed",
        refused == 8 and outside_changed == 0,
    )


def damaged_database(tmp: Path) -> Outcome:
    """2. A truncated, garbage or unrecorded database; a deleted one; then doctor --repair."""
    results = []
    for how in ("truncate", "garbage", "unrecorded", "delete"):
        studio = make_studio(tmp / how)
        files = sorted(studio.renders.glob("*.png"))
        run("rate", str(files[0]), str(files[1]), "--stars", "4", "--label", "red")
        run("rate", str(files[2]), "--pick")
        run("rate", str(files[3]), "--reject")
        before = ratings(studio.root)
        for suffix in ("-wal", "-shm"):
            Path(f"{studio.db_path}{suffix}").unlink(missing_ok=True)
        if how == "truncate":
            studio.db_path.write_bytes(studio.db_path.read_bytes()[:4096])
        elif how == "garbage":
            studio.db_path.write_bytes(os.urandom(65536))
        elif how == "unrecorded":
            conn = sqlite3.connect(studio.db_path)
            conn.execute("DELETE FROM schema_migrations")
            conn.commit()
            conn.close()
        else:
            studio.db_path.unlink()
        listing = run("list", str(studio.root))
        told = how == "delete" or one_line(listing, "damaged", "curator doctor")
        repaired = run("doctor", str(studio.root), "--repair").returncode == 0
        results.append(told and repaired and ratings(studio.root) == before)
    return Outcome(
        "one line, then every rating back after doctor --repair",
        f"{sum(results)} of {len(results)} damages recovered",
        all(results),
    )


def read_only_studio(tmp: Path) -> Outcome:
    """3. A studio on a read-only mount: look, sheet and export elsewhere; no writes."""
    if not can_mount():
        return Outcome("list, sheet, export work; rate refused", "skipped: needs root", True)
    studio = make_studio(tmp / "s")
    with read_only_view(studio.root, tmp / "ro") as view:
        listed = run("list", str(view)).returncode == 0
        sheet = run("sheet", str(view), "-o", str(tmp / "sheet.pdf")).returncode == 0
        export = run("export", str(view), "-o", str(tmp / "out"), "--stars", "0").returncode == 0
        rate = one_line(
            run("rate", str(next((view / "renders").glob("*.png"))), "--stars", "2"),
            "cannot save ratings",
            "read-only",
        )
        render = one_line(run("render", str(view), "--until-idle"), "read-only")
    flags = [listed, sheet, export, rate, render]
    return Outcome(
        "list, sheet, export elsewhere work; rate and render refused in one line",
        f"{sum(flags)} of 5 as expected",
        all(flags),
    )


def full_disk(tmp: Path) -> Outcome:
    """4. The disk fills under a render loop; commands that only read keep working."""
    if not can_mount():
        return Outcome("loop pauses, nothing lost", "skipped: needs root", True)
    with small_disk(tmp / "disk", 6) as disk:
        studio = make_studio(disk / "s", renders=2)
        # num_iterations: long enough for the disk to fill mid-render
        queue_add(studio, "contents/chelsea.png", "styles",
                  "--set", "image_size=64", "--set", "num_iterations=300")  # fmt: skip
        loop = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "curator.cli",
                "render",
                str(studio.root),
                "--until-idle",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
        )

        def statuses() -> list[str]:
            listing = run("queue", "list", "--studio", str(studio.root), "--json").stdout
            return [job["status"] for job in json.loads(listing)]

        deadline = time.monotonic() + 300
        while "running" not in statuses() and time.monotonic() < deadline:
            time.sleep(0.2)
        filler = fill(disk)  # the disk fills while the loop renders
        lines: list[str] = []
        assert loop.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(loop.stdout or []), daemon=True)
        reader.start()
        listed = run("list", str(studio.root)).returncode == 0
        queued = run("queue", "list", "--studio", str(studio.root)).returncode == 0
        # The disk stays full until the loop meets it (at its next write) and says it pauses.
        deadline = time.monotonic() + 300
        while not any("paus" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)
        filler.unlink()
        loop.wait(timeout=600)
        reader.join(timeout=10)
        output = "".join(lines)
        if os.environ.get("FAULTS_VERBOSE"):
            print(output)
        global TRACEBACKS
        TRACEBACKS += output.count("Traceback")
        states = statuses()
        paused = "paus" in output.lower()
        done = states.count("done")
        temporaries = list(studio.renders.glob(".*"))
        ok = listed and queued and paused and done == len(states) == 4 and not temporaries
        observed = (
            f"list works on the full disk: {listed and queued}; {done}/{len(states)} "
            f"jobs done after space came back; the loop said it paused: {paused}; "
            f"{len(temporaries)} temporary files"
        )
    return Outcome("reads work when full; the loop pauses, then finishes every job", observed, ok)


def dead_loop_requeued_by_a_live_one(tmp: Path) -> Outcome:
    """5. A loop SIGKILLed mid-job while another keeps running: the live one takes it over."""
    studio = make_studio(tmp / "s", renders=0)
    queue_add(studio, "contents/chelsea.png", "styles",
              "--set", "image_size=48", "--set", "num_iterations=60")  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "curator.cli",
        "render",
        str(studio.root),
        "--quiet",
        "--until-idle",
        "--stale-after",
        "6",
    ]
    victim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    held = None
    while held is None and victim.poll() is None:
        jobs = json.loads(run("queue", "list", "--studio", str(studio.root), "--json").stdout)
        held = next(
            (
                j["id"]
                for j in jobs
                if j["status"] == "running" and f":{victim.pid}:" in (j["holder"] or "")
            ),
            None,
        )
    survivor = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    survivor.wait(timeout=900)
    jobs = json.loads(run("queue", "list", "--studio", str(studio.root), "--json").stdout)
    done = sum(job["status"] == "done" for job in jobs)
    return Outcome(
        "the live loop requeues and finishes the dead loop's job before it exits",
        f"{done}/{len(jobs)} done, the killed job {held}: "
        f"{next(j['status'] for j in jobs if j['id'] == held)}",
        done == len(jobs),
    )


def bad_numbers(tmp: Path) -> Outcome:
    """6. seed = 1e400, num_iterations = inf in studio.toml; a 20-digit --seed."""
    studio = make_studio(tmp / "s", renders=0)
    told = 0
    for line in ("seed = 1e400", "num_iterations = inf", "image_size = 64.5"):
        studio.toml.write_text(f"[presets.bad]\n{line}\n")
        done = queue_add(studio, "contents", "styles", "--preset", "bad")
        told += one_line(done, "studio.toml: line 2")
    done = run(
        "render",
        str(SAMPLES / "contents/chelsea.png"),
        str(SAMPLES / "styles/shipwreck.jpg"),
        "-o",
        str(tmp / "x.png"),
        "--seed",
        "99999999999999999999",
        tool="stylecore",
    )
    told += one_line(done, "seed must be 0..")
    return Outcome("4 one-line errors naming the setting (and the line)", f"{told} of 4", told == 4)


def big_photos(tmp: Path) -> Outcome:
    """7. 96 MP and 200 MP photos are originals, not bombs."""
    studio = make_studio(tmp / "s", renders=0)
    accepted = 0
    for name, size in (("96mp.jpg", (12000, 8000)), ("200mp.jpg", (14142, 14142))):
        Image.new("RGB", size, (120, 90, 60)).save(studio.contents / name, quality=70)
        done = queue_add(studio, f"contents/{name}", "styles/shipwreck.jpg")
        stats = run(
            "stats", str(studio.contents / name), "--role", "content", "--json", tool="stylecore"
        )
        accepted += done.returncode == 0 and stats.returncode == 0
    studio.toml.write_text("[defaults]\nmax_image_megapixels = 50\n")
    other_style = next(p for p in sorted(studio.styles.iterdir()) if p.name != "shipwreck.jpg")
    # A pair not queued yet: the queued one is simply "already in the queue".
    refused = queue_add(studio, "contents/96mp.jpg", f"styles/{other_style.name}")
    says_how = "max_image_megapixels = 100" in refused.stderr
    return Outcome(
        "both accepted; above a lowered limit, the refusal says how to raise it",
        f"{accepted} of 2 accepted; refusal says how: {says_how}",
        accepted == 2 and says_how,
    )


def partial_batches(tmp: Path) -> Outcome:
    """8. An unreadable photo in a batch; a damaged picked render in an export."""
    studio = make_studio(tmp / "s")
    (studio.contents / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    done = queue_add(studio, "contents", "styles")
    skipped = (
        done.returncode == 1 and "broken.jpg" in done.stderr and "queued 16 new" in done.stdout
    )
    files = sorted(studio.renders.glob("*.png"))
    run("rate", *map(str, files), "--stars", "5")
    files[0].write_bytes(files[0].read_bytes()[:300])
    out = tmp / "out"
    first = run("export", str(studio.root), "-o", str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    again = run("export", str(studio.root), "-o", str(out))
    ok = (
        skipped and first.returncode == 0 and len(manifest["failed"]) == 1 and again.returncode == 0
    )
    return Outcome(
        "the bad photo skipped with a warning; the export goes on, lists the bad "
        "render, reruns without --force",
        f"skipped: {skipped}; failed listed: {len(manifest['failed'])}; rerun exit "
        f"{again.returncode}",
        ok,
    )


def command_line_corners(tmp: Path) -> Outcome:
    """10. Pipes, statuses, dry runs, exports into renders/, no-ops, sheets, help."""
    studio = make_studio(tmp / "s", renders=300)
    queue_add(studio, "contents/chelsea.png", "styles", "--set", "image_size=32")
    checks = {}
    for name, command in (
        (
            "list --json | head",
            [sys.executable, "-m", "curator.cli", "list", str(studio.root), "--json"],
        ),
        (
            "stats --json | head",
            [
                sys.executable,
                "-m",
                "stylecore.cli",
                "stats",
                "--json",
                *[str(p) for p in sorted(studio.styles.iterdir())] * 12,
            ],
        ),
    ):
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(50)
        child.stdout.close()
        err = child.stderr.read().decode()
        child.wait(timeout=120)
        checks[name] = "Traceback" not in err
    jobs = json.loads(
        run(
            "queue", "list", "--studio", str(studio.root), "--status", "queued,cancelled", "--json"
        ).stdout
    )
    checks["--status a,b"] = len(jobs) == 4
    checks["--status bogus"] = one_line(
        run("queue", "list", "--studio", str(studio.root), "--status", "bogus"), "a job is"
    )
    out = tmp / "out"
    run("export", str(studio.root), "-o", str(out), "--stars", "0")
    next(out.glob("*/*.psd")).write_bytes(b"edited")
    dry = run("export", str(studio.root), "-o", str(out), "--stars", "0", "--dry-run")
    checks["--dry-run into a used folder"] = dry.returncode == 0 and "needs --force" in dry.stdout
    checks["export -o renders/"] = one_line(
        run("export", str(studio.root), "-o", str(studio.renders)), "renders/ folder"
    )
    retry = run("queue", "retry", "--studio", str(studio.root), jobs[0]["id"])
    checks["retry of a queued job says why"] = "retry takes failed or cancelled" in retry.stdout
    sheet = tmp / "sheet.pdf"
    run("sheet", str(studio.root), "-o", str(sheet))
    checks["sheet overwrite"] = one_line(
        run("sheet", str(studio.root), "-o", str(sheet)), "--force"
    )
    checks["--matrix --settings"] = one_line(
        run(
            "sheet", str(studio.root), "-o", str(tmp / "m.pdf"), "--matrix", "styles", "--settings"
        ),
        "matrix",
    )
    failed = [name for name, ok in checks.items() if not ok]
    return Outcome(
        f"{len(checks)} corners handled",
        f"{len(checks) - len(failed)} handled" + (f"; not: {', '.join(failed)}" if failed else ""),
        not failed,
    )


def smaller(tmp: Path) -> Outcome:
    """11. Unknown keys and tables, a dotted key (no 'line 0'), identical files."""
    studio = make_studio(tmp / "s", renders=0)
    told = 0
    for text, words in (
        ("[defaults]\npresett = 'preview'\n", ("line 2", "presett")),
        ("[presetz.x]\nimage_size = 64\n", ("line 1", "presetz")),
        ("presets.x.image_size = 3\n", ("image_size must be",)),
    ):
        studio.toml.write_text(text)
        done = run("queue", "list", "--studio", str(studio.root))
        told += one_line(done, *words) and "line 0" not in done.stderr
    studio.toml.write_text("")
    shutil.copy(studio.contents / "chelsea.png", studio.contents / "chelsea-again.png")
    done = queue_add(studio, "contents", "styles/shipwreck.jpg")
    identical = "1 the same as another pair (identical files)" in done.stdout
    return Outcome(
        "3 one-line errors with their lines; identical files counted as such",
        f"{told} of 3; identical files said: {identical}",
        told == 3 and identical,
    )


CASES: dict[str, Callable[[Path], Outcome]] = {
    "1 export through links": export_through_links,
    "2 damaged database": damaged_database,
    "3 read-only studio": read_only_studio,
    "4 full disk": full_disk,
    "5 dead loop, live loop": dead_loop_requeued_by_a_live_one,
    "6 infinite numbers": bad_numbers,
    "7 96 and 200 MP photos": big_photos,
    "8 partial batches": partial_batches,
    "10 command-line corners": command_line_corners,
    "11 smaller ones": smaller,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="cases whose names contain these words")
    args = parser.parse_args()
    failures = 0
    print("| case | expected | observed | ok |\n| --- | --- | --- | --- |")
    for name, case in CASES.items():
        if args.only and not any(word in name for word in args.only):
            continue
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="faults-") as folder:
            try:
                outcome = case(Path(folder))
            except Exception as exc:  # the bench must report, not stop
                outcome = Outcome("(see the case)", f"the case itself failed: {exc!r}", False)
        failures += not outcome.ok
        seconds = time.perf_counter() - started
        print(
            f"| {name} | {outcome.expected} | {outcome.observed} ({seconds:.0f} s) | "
            f"{'yes' if outcome.ok else 'NO'} |",
            flush=True,
        )
    print(f"\ncases failed: {failures}; tracebacks printed by any command: {TRACEBACKS}")
    return 1 if failures or TRACEBACKS else 0


if __name__ == "__main__":
    sys.exit(main())
