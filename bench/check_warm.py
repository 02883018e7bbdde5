"""Wall time of `kata check ID` from a shell: the shared warm engine against a fresh one per command.

Makes a workspace of the bundled course (earlier exercises skipped, so ID is unlocked), warms the
shared engine with one check, then times whole `kata check ID` processes, alternating between the
shared engine and `KATA_ENGINE=fresh` so both see the same machine load. Also times the `kata`
console script on the shared engine, and two floors: a bare `python -c pass` and `import kata.cli`, all interleaved.
The daemons live in a runtime folder of this run's own and are stopped at the end.

    python bench/check_warm.py [ID] [--runs 7]

Prints medians, the spread (min-max) and the fresh/shared ratio. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "runner"))

from kata.workspace import bundled_course_dir  # noqa: E402
from kata.course import load_course  # noqa: E402


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    return took


def line(label: str, times: list[float]) -> str:
    return (f"  {label:<34} median {statistics.median(times) * 1000:7.0f} ms   "
            f"min {min(times) * 1000:6.0f}   max {max(times) * 1000:6.0f}   (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ident", nargs="?", default="12", help="the exercise to check (default 12)")
    parser.add_argument("--runs", type=int, default=7, help="timed commands of each kind (default 7)")
    args = parser.parse_args()

    course = load_course(bundled_course_dir())
    target = course.find(args.ident)
    base = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    runtime = base / "run"
    runtime.mkdir(mode=0o700)
    ws = base / "ws"
    env = dict(os.environ, KATA_RUNTIME_DIR=str(runtime), NO_COLOR="1")
    env.pop("KATA_ENGINE", None)
    env.pop("KATA_DEBUG", None)
    kata = [sys.executable, "-m", "kata"]
    script = Path(sys.executable).with_name("kata")
    try:
        subprocess.run([*kata, "init", str(ws)], env=env, capture_output=True, check=True)
        for ex in course.exercises:
            if ex.id == target.id:
                break
            subprocess.run([*kata, "skip", ex.id], cwd=ws, env=env, capture_output=True, check=True)
        check = ["check", target.id]
        first = timed([*kata, *check], ws, env)  # starts the shared engine
        timed([*kata, *check], ws, env)  # one warm call more before timing
        shared: list[float] = []
        fresh: list[float] = []
        console: list[float] = []
        bare: list[float] = []
        cli: list[float] = []
        fresh_env = dict(env, KATA_ENGINE="fresh")
        for _ in range(args.runs):  # interleaved, so that every kind sees the same machine load
            shared.append(timed([*kata, *check], ws, env))
            fresh.append(timed([*kata, *check], ws, fresh_env))
            if script.exists():
                console.append(timed([str(script), *check], ws, env))
            bare.append(timed([sys.executable, "-c", "pass"], ws, env))
            cli.append(timed([sys.executable, "-c", "import kata.cli"], ws, env))
        print(f"kata check {target.id} ({target.name}), {os.cpu_count()} cores")
        print(f"  {'first call (starts the engine)':<34} {first * 1000:14.0f} ms")
        print(line("shared engine (python -m kata)", shared))
        if console:
            print(line("shared engine (kata script)", console))
        print(line("KATA_ENGINE=fresh", fresh))
        print(line("floor: python -c pass", bare))
        print(line("floor: import kata.cli", cli))
        print(f"  fresh / shared: {statistics.median(fresh) / statistics.median(shared):.1f}x")
    finally:
        from kata.engine.shared import stop_shared_engine

        os.environ["KATA_RUNTIME_DIR"] = str(runtime)
        stop_shared_engine()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
