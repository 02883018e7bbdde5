"""Save-to-verdict latency of `kata watch`, against plain pytest in the same run.

Starts `kata watch --events FILE` on a fresh workspace of the bundled course,
then saves right and wrong answers in turn by atomic replace (as VS Code
does) and times each save until its verdict line appears. The baseline is a
new `pytest` process on the same check module and answer, measured here too.

    python bench/latency.py [--saves 10] [--exercises relu,tensor_relu,...]

By default it covers every exercise that does not train (training ones: see TRAINING).

Prints medians, 95th percentiles, the ratio to the baseline, the time to the
first verdict and the warm worker's resident memory. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
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

from kata.course import load_course  # noqa: E402


# These run training steps on purpose (one full-size update at least), so the ≤ 100 ms
# save-to-verdict target does not apply to them.
TRAINING = {"tune_weights_once", "train", "mnist_training", "nn_module"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def kata(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kata", *args], cwd=cwd, capture_output=True, text=True)


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(path: Path, count: int, timeout: float = 60) -> list[dict]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        events = read_events(path)
        if len(events) >= count:
            return events
        time.sleep(0.001)
    raise SystemExit(f"no verdict within {timeout} s; events so far: {read_events(path)}")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def worker_pids(watch_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(watch_pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def baseline(check: Path, answer: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(check),
                        f"--kata-file={answer}"], capture_output=True, cwd=check.parent)
        times.append(time.perf_counter() - started)
    return times


def time_first_verdict(tmp: Path, skip: int) -> float:
    """Seconds from starting `kata watch` on a fresh workspace until its first verdict."""
    ws = tmp / f"first-{skip}"
    kata("init", str(ws), cwd=tmp)
    course = load_course(REPO)
    for ex in course.exercises[:skip]:
        kata("skip", ex.id, cwd=ws)
    events = ws / "events.jsonl"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kata", "watch", "--events", str(events)], cwd=ws,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(events, 1)
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=10, help="saves per exercise (alternating right and wrong)")
    parser.add_argument("--exercises", default="", help="comma-separated ids or names (default: all that do not train)")
    parser.add_argument("--baseline-runs", type=int, default=3)
    opts = parser.parse_args()
    course = load_course(REPO)
    if opts.exercises:
        chosen = [course.find(name) for name in opts.exercises.split(",")]
    else:
        chosen = [ex for ex in course.exercises if ex.name not in TRAINING]

    tmp = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    try:
        ws = tmp / "ws"
        kata("init", str(ws), cwd=tmp)
        events = ws / "events.jsonl"
        for ex in course.exercises[: max(e.number for e in chosen) - 1]:
            kata("skip", ex.id, cwd=ws)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "kata", "watch", "--events", str(events)], cwd=ws,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(events, 1)
            first_verdict_s = time.perf_counter() - started
            rows = []
            all_latencies: list[float] = []
            for ex in chosen:
                target = ws / "exercises" / ex.filename
                right = ex.solution.read_text()
                wrong = ex.stub.read_text()  # the untouched stub: every check fails
                latencies = []
                statuses = []
                runs = []
                for i in range(opts.saves):
                    text = right if i % 2 == 0 else wrong
                    count = len(read_events(events))
                    tmp_file = target.with_name(f".{target.name}.bench")
                    tmp_file.write_text(text)
                    saved_at = time.time()
                    os.replace(tmp_file, target)
                    verdict = wait_for(events, count + 1)[-1]
                    latencies.append(verdict["timestamp"] - saved_at)
                    runs.append(verdict["duration_s"])
                    statuses.append(verdict["status"])
                base = baseline(ex.checks, ex.solution, opts.baseline_runs)
                rows.append((ex, latencies, base, statuses, runs))
                all_latencies += latencies
            workers = worker_pids(proc.pid)
            memory = max((rss_mb(pid) for pid in workers), default=float("nan"))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        first_plain = time_first_verdict(tmp, skip=0)
        first_torch = time_first_verdict(tmp, skip=4)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"kata watch save→verdict, {opts.saves} saves per exercise by atomic replace, right and wrong in turn")
    print(f"{'exercise':<24}{'median':>10}{'p95':>10}{'child run':>11}{'pytest median':>16}{'speed-up':>10}  verdicts")
    for ex, latencies, base, statuses, runs in rows:
        med, p95, base_med = statistics.median(latencies), percentile(latencies, 0.95), statistics.median(base)
        kinds = ",".join(sorted(set(statuses)))
        print(f"{ex.id} {ex.name:<21}{med * 1000:>8.1f}ms{p95 * 1000:>8.1f}ms{statistics.median(runs) * 1000:>9.1f}ms"
              f"{base_med * 1000:>14.0f}ms{base_med / med:>9.1f}x  {kinds}")
    med, p95 = statistics.median(all_latencies), percentile(all_latencies, 0.95)
    base_all = statistics.median([statistics.median(row[2]) for row in rows])
    print(f"{'all':<24}{med * 1000:>8.1f}ms{p95 * 1000:>8.1f}ms{base_all * 1000:>14.0f}ms{base_all / med:>9.1f}x")
    print(f"first verdict after starting kata watch: {first_verdict_s:.2f} s "
          f"(workspace opening on {course.exercises[max(e.number for e in chosen) - 1].id}); "
          f"on a fresh workspace (01, plain Python): {first_plain:.2f} s; "
          f"opening on 05 (torch): {first_torch:.2f} s")
    print(f"warm worker resident memory: {memory:.0f} MB")


if __name__ == "__main__":
    main()
