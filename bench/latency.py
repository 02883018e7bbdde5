"""Save-to-verdict latency of `kata watch`, per exercise of each bundled course, against plain pytest.

For each course, starts `kata watch --events FILE` on a fresh workspace, then saves right and
wrong answers in turn by atomic replace (as VS Code does) and times each save until its verdict
line appears. Between a verdict and the next save it waits `--pause` seconds, as a learner
reading the verdict does (0: the next save lands at once). The baseline is a new `pytest`
process on the same check module and answer, measured in the same run, after the saves.

    python bench/latency.py [--course PATH|NAME ...] [--saves 10] [--pause 0.3] [--exercises relu,...]
                            [--machinery] [--daemon-runs 1]

By default it covers both bundled courses, every exercise that does not train (see TRAINING).
Prints one table per course: per exercise, its first save apart ("first save"), then the median
and 95th percentile of the other, warm saves, the child's own run time (the verdict's duration, warm
saves), the baseline and the ratio, then the warm worker's resident memory (the largest of its
processes, measured after the runs). Nothing here asserts a time.

Each exercise's first save is cold: the worker's standby child (kata.engine.standby) still holds the
previous exercise's checks, so that run collects its check module itself. In real use, moving to an
exercise in watch checks it at once, which readies the standby for it before the learner's first
save. So the first save gets its own column and is left out of the median and p95 ("all" too, which
pool the warm saves), rather than dropped: `--saves N` gives one first save and N - 1 warm ones. Each
exercise is left solved (one more, uncounted save of the solution when N is even), as a learner
moves on: in the second course later exercises run again on the earlier files (kata.carry).

`--machinery` measures what each piece of speed machinery buys, in the same run: beside the watch
with everything on, one watch per switch (`KATA_NO_STANDBY=1`: no child forked ahead;
`KATA_NO_HUGE_PAGES=1`: the worker's memory in 4 KB pages), each on a workspace of its own, the
saves interleaved (save i of every watch before save i + 1 of any), so all see the same load; then
`kata check ID` on each answer as whole commands, alternating the shared daemon and
`KATA_ENGINE=fresh` (a new worker per command), `--daemon-runs` times each. It prints the ratio
table and whether every watch gave the same verdicts, save for save.
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
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "runner"))

from kata.course import Course, Exercise, load_course  # noqa: E402
from kata.errors import KataError  # noqa: E402

COURSES = {"nn-from-scratch": REPO, "pytorch-from-scratch": REPO / "courses" / "pytorch-from-scratch"}
# These run training steps on purpose (one full-size update at least, or epochs on a data set), so the
# save-to-verdict target does not apply to them. The second course trains only in its finale (18 trains
# a 6-8-5-3 net for 5 epochs on 10 points: a check of the loop, not training, and stays in).
TRAINING = {
    "nn-from-scratch": {"tune_weights_once", "train", "mnist_training", "nn_module"},
    "pytorch-from-scratch": {"digits"},
}


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
    """The warm worker processes of a `kata watch` (its children running kata.engine.worker)."""
    out = subprocess.run(["pgrep", "-P", str(watch_pid)], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return [pid for pid in pids if b"kata.engine.worker" in _cmdline(pid)] or pids


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def baseline(check: Path, answer: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(check),
                        f"--kata-file={answer}"], capture_output=True, cwd=check.parent)
        times.append(time.perf_counter() - started)
    return times


@dataclass
class Row:
    exercise: Exercise
    first: float = float("nan")  # the first save's latency: cold (the standby held another exercise's checks)
    first_run: float = float("nan")  # its verdict's own duration
    latencies: list[float] = field(default_factory=list)  # the warm saves, every one after the first
    runs: list[float] = field(default_factory=list)  # the warm verdicts' own durations (the child's run)
    statuses: list[str] = field(default_factory=list)
    base: list[float] = field(default_factory=list)


# The speed machinery `--machinery` switches off, one watch each, beside the one with everything on.
SWITCHES = {"no standby": {"KATA_NO_STANDBY": "1"}, "no huge pages": {"KATA_NO_HUGE_PAGES": "1"}}


@dataclass
class CourseBench:
    course: Course
    rows: list[Row]
    first_verdict_s: float
    memory_mb: float
    switched: dict[str, list[Row]] = field(default_factory=dict)  # --machinery: each switch's rows
    daemon: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)  # id -> shared, fresh


def chosen_exercises(course: Course, names: str) -> list[Exercise]:
    if names:
        found = []
        for name in names.split(","):
            try:
                found.append(course.find(name))
            except KataError:  # an exercise of another course
                continue
        return found
    return [ex for ex in course.exercises if ex.name not in TRAINING.get(course.name, set())]


def workspace(course: Course, path: Path, chosen: list[Exercise], ws: Path, tmp: Path) -> Path:
    kata("init", str(ws), "--course", str(path), "--no-editor-config", cwd=tmp)
    for ex in course.exercises[: max(e.number for e in chosen) - 1]:
        kata("skip", ex.id, "--yes", cwd=ws)  # --yes: the next stub may carry the skipped answer
    return ws


@dataclass
class Watch:
    """One `kata watch` on a workspace of its own, with its environment (a switch, or none)."""
    ws: Path
    proc: subprocess.Popen
    rows: list[Row]

    @property
    def events(self) -> Path:
        return self.ws / "events.jsonl"

    def save(self, row: Row, text: str, first: bool) -> None:
        """Save `text` to the row's exercise by atomic replace and time it to its verdict."""
        target = self.ws / "exercises" / row.exercise.filename
        count = len(read_events(self.events))
        tmp_file = target.with_name(f".{target.name}.bench")
        tmp_file.write_text(text)
        saved_at = time.time()
        os.replace(tmp_file, target)
        verdict = wait_for(self.events, count + 1)[-1]
        row.statuses.append(verdict["status"])
        if first:  # cold: reported on its own, never mixed into the warm saves' median and p95
            row.first, row.first_run = verdict["timestamp"] - saved_at, verdict["duration_s"]
        else:
            row.latencies.append(verdict["timestamp"] - saved_at)
            row.runs.append(verdict["duration_s"])


def start_watch(ws: Path, chosen: list[Exercise], env: dict[str, str]) -> Watch:
    events = ws / "events.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "kata", "watch", "--events", str(events)], cwd=ws,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, **env))
    return Watch(ws, proc, [Row(ex) for ex in chosen])


def bench_course(path: Path, opts: argparse.Namespace, tmp: Path) -> CourseBench | None:
    course = load_course(path)
    chosen = chosen_exercises(course, opts.exercises)
    if not chosen:
        return None
    modes = {"on": {}, **(SWITCHES if opts.machinery else {})}
    spaces = {mode: workspace(course, path, chosen, tmp / f"ws-{course.name}-{i}", tmp) for i, mode in enumerate(modes)}
    watches: dict[str, Watch] = {}
    first_verdict_s = float("nan")
    try:
        started = time.perf_counter()
        for mode, env in modes.items():
            watches[mode] = start_watch(spaces[mode], chosen, env)
            wait_for(watches[mode].events, 1)
            if mode == "on":
                first_verdict_s = time.perf_counter() - started
        for n, ex in enumerate(chosen):
            right, wrong = ex.solution.read_text(), ex.stub.read_text()  # the untouched stub: every check fails
            for i in range(opts.saves):
                for watch in watches.values():  # interleaved: every watch sees the same load
                    time.sleep(opts.pause)
                    watch.save(watch.rows[n], right if i % 2 == 0 else wrong, first=i == 0)
            for watch in watches.values():  # left solved, as a learner moves on: later exercises build on it
                if opts.saves % 2 == 0:
                    time.sleep(opts.pause)
                    watch.save(Row(ex), right, first=True)  # a row of its own: not counted
        memory = max((rss_mb(pid) for pid in worker_pids(watches["on"].proc.pid)), default=float("nan"))
    finally:
        for watch in watches.values():
            watch.proc.terminate()
        for watch in watches.values():
            watch.proc.wait(timeout=20)
    rows = watches["on"].rows
    for row in rows:
        row.base = baseline(row.exercise.checks, row.exercise.solution, opts.baseline_runs)
    bench = CourseBench(course, rows, first_verdict_s, memory,
                        switched={mode: watch.rows for mode, watch in watches.items() if mode != "on"})
    if opts.machinery:
        bench.daemon = daemon_bench(spaces["on"], chosen, opts.daemon_runs, tmp)
    return bench


def daemon_bench(ws: Path, chosen: list[Exercise], runs: int, tmp: Path) -> dict[str, tuple[list[float], list[float]]]:
    """Whole `kata check ID --file ANSWER` commands: the shared daemon (warmed first) and a fresh
    engine per command (`KATA_ENGINE=fresh`), alternating; the daemons in a runtime folder of this run's own."""
    runtime = Path(tempfile.mkdtemp(prefix="rt-", dir=tmp))  # short: a socket path holds ~100 bytes
    shared, fresh = dict(os.environ, KATA_RUNTIME_DIR=str(runtime)), dict(os.environ, KATA_ENGINE="fresh")
    times: dict[str, tuple[list[float], list[float]]] = {}

    def check(ex: Exercise, env: dict[str, str]) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kata", "check", ex.id, "--file", str(ex.solution), "--json"],
                       cwd=ws, env=env, capture_output=True)
        return time.perf_counter() - started

    try:
        for ex in chosen:
            check(ex, shared)  # the daemon warm, and its standby on this exercise's checks
            on, off = times[ex.id] = ([], [])
            for _ in range(runs):
                on.append(check(ex, shared))
                off.append(check(ex, fresh))
    finally:
        subprocess.run([sys.executable, "-m", "kata", "engine", "stop"], cwd=ws, env=shared, capture_output=True)
        shutil.rmtree(runtime, ignore_errors=True)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(bench: CourseBench, opts: argparse.Namespace) -> None:
    course = bench.course
    print(f"\n{course.name} ({course.title}): kata watch save→verdict, {opts.saves} saves per exercise by atomic "
          f"replace, right and wrong in turn, {opts.pause:g} s between a verdict and the next save")
    print("first save: each exercise's first (cold) save, kept out of the rest; median, p95, child run and ratio: "
          f"the {max(opts.saves - 1, 0)} warm saves after it")
    width = max([len(row.exercise.name) for row in bench.rows] + [23])  # the longest name keeps its columns
    print(f"{'exercise':<{width + 3}}{'first save':>11}{'median':>10}{'p95':>10}{'child run':>11}{'pytest':>10}{'ratio':>8}"
          "  verdicts")
    for row in bench.rows:
        ex = row.exercise
        med, base = median(row.latencies), median(row.base)
        p95 = percentile(row.latencies, 0.95) if row.latencies else float("nan")
        kinds = ",".join(sorted(set(row.statuses)))
        print(f"{ex.id} {ex.name:<{width}}{ms(row.first):>11}{ms(med):>10}{ms(p95):>10}{ms(median(row.runs)):>11}"
              f"{base * 1000:>8.0f}ms{med / base:>8.2f}  {kinds}")
    every = [x for row in bench.rows for x in row.latencies]
    firsts = [row.first for row in bench.rows]
    base_all = median([median(row.base) for row in bench.rows])
    med_all = median(every)
    runs_all = median([x for row in bench.rows for x in row.runs])
    p95_all = percentile(every, 0.95) if every else float("nan")
    print(f"{'all':<{width + 3}}{ms(median(firsts)):>11}{ms(med_all):>10}{ms(p95_all):>10}{ms(runs_all):>11}"
          f"{base_all * 1000:>8.0f}ms{med_all / base_all:>8.2f}")
    warm = [row for row in bench.rows if row.latencies]
    if warm:
        worst_med = max(warm, key=lambda r: statistics.median(r.latencies))
        worst_p95 = max(warm, key=lambda r: percentile(r.latencies, 0.95))
        print(f"slowest median: {worst_med.exercise.id} {worst_med.exercise.name} "
              f"{ms(statistics.median(worst_med.latencies))}; slowest p95: {worst_p95.exercise.id} "
              f"{worst_p95.exercise.name} {ms(percentile(worst_p95.latencies, 0.95))}")
    worst_first = max(bench.rows, key=lambda r: r.first)
    print(f"slowest first save: {worst_first.exercise.id} {worst_first.exercise.name} {ms(worst_first.first)}")
    print(f"first verdict after starting kata watch: {bench.first_verdict_s:.2f} s; "
          f"warm worker resident memory: {bench.memory_mb:.0f} MB")


def report_machinery(bench: CourseBench) -> None:
    """--machinery: what each switch costs, per exercise (median of the warm saves, its ratio to all on)."""
    if not bench.switched and not bench.daemon:
        return
    names = list(bench.switched)
    print(f"\n{bench.course.name}: each piece of speed machinery switched off, same run, saves interleaved; "
          "median of the warm saves (p95) and the ratio to everything on; `kata check` commands: median wall time")
    width = max([len(row.exercise.name) for row in bench.rows] + [23])
    head = "".join(f"{name:>26}" for name in names)
    print(f"{'exercise':<{width + 3}}{'all on':>18}{head}{'check, daemon':>15}{'fresh':>9}{'ratio':>7}")

    def cell(rows: list[Row], base: list[float]) -> str:
        med = median(rows_latencies(rows))
        p95 = percentile(rows_latencies(rows), 0.95) if rows_latencies(rows) else float("nan")
        ratio = med / median(base) if base else float("nan")
        return f"{ms(med):>9} ({ms(p95):>8}) {ratio:5.2f}"

    every = {name: [] for name in names}
    for n, row in enumerate(bench.rows):
        line = f"{row.exercise.id} {row.exercise.name:<{width}}{ms(median(row.latencies)):>9} ({ms(percentile(row.latencies, 0.95)) if row.latencies else 'nan':>8})"
        for name in names:
            other = bench.switched[name][n]
            every[name].append(other)
            line += f"{cell([other], row.latencies):>26}"
        shared, fresh = bench.daemon.get(row.exercise.id, ([], []))
        if shared:
            line += f"{ms(median(shared)):>15}{ms(median(fresh)):>9}{median(fresh) / median(shared):>7.1f}"
        print(line)
    on = rows_latencies(bench.rows)
    line = f"{'all':<{width + 3}}{ms(median(on)):>9} ({ms(percentile(on, 0.95)) if on else 'nan':>8})"
    for name in names:
        line += f"{cell(every[name], on):>26}"
    shared = [t for pair in bench.daemon.values() for t in pair[0]]
    fresh = [t for pair in bench.daemon.values() for t in pair[1]]
    if shared:
        line += f"{ms(median(shared)):>15}{ms(median(fresh)):>9}{median(fresh) / median(shared):>7.1f}"
    print(line)
    for name in names:
        same = all(a.statuses == b.statuses for a, b in zip(bench.rows, bench.switched[name]))
        print(f"{name}: {'the same verdicts as all on, save for save' if same else 'VERDICTS DIFFER from all on'}")


def rows_latencies(rows: list[Row]) -> list[float]:
    return [x for row in rows for x in row.latencies]


def course_paths(names: list[str]) -> list[Path]:
    if not names:
        return list(COURSES.values())
    return [COURSES.get(name, Path(name).resolve()) for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", action="append", default=[], metavar="PATH|NAME",
                        help="a course folder or a bundled course's name; repeat for several (default: both bundled)")
    parser.add_argument("--saves", type=int, default=10, help="saves per exercise (alternating right and wrong); the first is reported apart, as cold")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between a verdict and the next save")
    parser.add_argument("--exercises", default="", help="comma-separated ids or names (default: all that do not train)")
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--machinery", action="store_true",
                        help="also each piece of speed machinery switched off, in the same run (see above)")
    parser.add_argument("--daemon-runs", type=int, default=1,
                        help="with --machinery: `kata check` commands per exercise, on the daemon and fresh")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    try:
        benches = [b for path in course_paths(opts.course) if (b := bench_course(path, opts, tmp)) is not None]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for bench in benches:
        report(bench, opts)
        report_machinery(bench)
    if len(benches) > 1:
        print(f"\nwarm worker resident memory, largest of all: {max(b.memory_mb for b in benches):.0f} MB")


if __name__ == "__main__":
    main()
