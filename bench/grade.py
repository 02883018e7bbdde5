"""Measures `kata grade`: a class of 50 submissions × the whole course, through the real command.

    python bench/grade.py [--submissions 50] [--jobs N] [--course PATH] [--modes local,judged] [--repeat 1]
                          [--scheduler local:2]

Each mode grades the same class in the same run: `local` (learner code and
checks in one forked child, as `kata check` does) and `judged` (the default of
`kata grade`: checks in a trusted process, learner code in the sandbox). It
prints each mode's median wall time and the ratio judged / local.

`--scheduler ADDRESS` (e.g. `local:2`) also grades the class on Dask
(`kata grade --scheduler`, judged mode) right after each judged grading on
this machine's pool, on the same cores, and closes with both figures and the
overhead ratio cluster / pool (goal: ≤ 1.2×). With it, `--modes` defaults to
`judged` alone.

The class is made from the course's own files: right answers (the solutions),
wrong ones (the stubs), half-done ones, and a few hostile ones (one exercise
that hangs at import, one that kills the process). It prints the wall time and
checks that every row came out as expected: a hostile submission must cost
only its own row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "runner"))

from kata.course import load_course  # noqa: E402

HANG = "while True:  # bench: this submission hangs at import\n    pass\n"
CRASH = "import os  # bench: this submission kills its process\nos._exit(3)\n"


def kinds(n: int) -> list[str]:
    """40% right, 40% wrong, the rest half-done, with two hanging and two crashing among them."""
    hostile = ["hanging", "crashing"] * 2 if n >= 10 else []
    right = wrong = (n - len(hostile)) * 2 // 5
    return (["right"] * right + ["wrong"] * wrong + ["half"] * (n - len(hostile) - right - wrong) + hostile)[:n]


def make_class(course, root: Path, n: int) -> dict[str, str]:
    labels = {}
    exercises = list(course.exercises)
    for number, kind in enumerate(kinds(n), start=1):
        label = f"s{number:02d}_{kind}"
        folder = root / label / "exercises"
        folder.mkdir(parents=True)
        for index, ex in enumerate(exercises):
            use_solution = kind in ("right", "hanging", "crashing") or (kind == "half" and index < len(exercises) // 2)
            text = (ex.solution if use_solution else ex.stub).read_text(encoding="utf-8")
            if index == 0 and kind == "hanging":
                text = HANG + text
            if index == 0 and kind == "crashing":
                text = CRASH + text
            (folder / ex.filename).write_text(text, encoding="utf-8")
        labels[label] = kind
    return labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--course", type=Path, default=REPO)
    parser.add_argument("--modes", default=None, help="default: local,judged (judged with --scheduler)")
    parser.add_argument("--repeat", type=int, default=1, help="gradings per mode; the median is reported")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="also grade on this Dask scheduler (local:N for N workers here), judged")
    args = parser.parse_args()
    course = load_course(args.course)
    modes = [m.strip() for m in (args.modes or ("judged" if args.scheduler else "local,judged")).split(",") if m.strip()]
    cluster = f"judged@{args.scheduler}" if args.scheduler else None
    walls: dict[str, list[float]] = {m: [] for m in modes + ([cluster] if cluster else [])}
    status = 0
    with tempfile.TemporaryDirectory(prefix="kata-bench-grade-") as tmp:
        labels = make_class(course, Path(tmp) / "class", args.submissions)
        for _ in range(args.repeat):
            for mode in modes:
                wall, rows, stderr, code = grade(course, Path(tmp) / "class", mode, args.jobs)
                walls[mode].append(wall)
                status |= report(mode, course, rows, labels, wall, stderr, args.submissions, code)
                if cluster and mode == "judged":  # right after, on the same cores
                    wall, rows, stderr, code = grade(course, Path(tmp) / "class", mode, None, args.scheduler)
                    walls[cluster].append(wall)
                    status |= report(cluster, course, rows, labels, wall, stderr, args.submissions, code)
    medians = {m: statistics.median(w) for m, w in walls.items()}
    for mode, median in medians.items():
        print(f"{mode:>7}: median {median:.1f} s over {len(walls[mode])} grading(s)")
    if "local" in medians and "judged" in medians:
        print(f"judged / local = {medians['judged'] / medians['local']:.2f}× (target ≤ 2×)")
    if cluster and "judged" in medians:
        n = args.submissions
        print(f"{n} submissions × {len(course.exercises)} exercises, judged: local pool {medians['judged']:.1f} s "
              f"({n / medians['judged'] * 3600:.0f} submissions/hour), Dask {args.scheduler} {medians[cluster]:.1f} s "
              f"({n / medians[cluster] * 3600:.0f} submissions/hour); cluster / pool = "
              f"{medians[cluster] / medians['judged']:.2f}× (goal ≤ 1.2×)")
    return status


def grade(course, folder: Path, mode: str, jobs: int | None,
          scheduler: str | None = None) -> tuple[float, list[dict], str, int]:
    command = [sys.executable, "-m", "kata", "grade", str(folder), "--course", str(course.root), "--json",
               "--mode", mode]
    if jobs:
        command += ["--jobs", str(jobs)]
    if scheduler:
        command += ["--scheduler", scheduler]
    env = dict(os.environ, PYTHONPATH=str(REPO / "runner"))
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.monotonic() - started
    return wall, [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.stderr, proc.returncode


def report(mode: str, course, rows: list[dict], labels: dict[str, str], wall: float, stderr: str,
           expected_rows: int, code: int) -> int:
    n_ex = len(course.exercises)
    print(f"[{mode}] kata grade: {len(rows)} submissions × {n_ex} exercises = {len(rows) * n_ex} check runs "
          f"in {wall:.1f} s on {os.cpu_count()} cores ({wall / max(len(rows) * n_ex, 1) * 1000:.0f} ms a run)")
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "")
    for line in stderr.splitlines():
        if line.startswith("error:"):  # e.g. checks that could not run: say which and why
            print("  " + line[:400])
    surprises = []
    for row in rows:
        kind = labels[row["submission"]]
        statuses = [r["status"] for r in row["results"]]
        expected_first = {"hanging": "timeout", "crashing": "crashed"}.get(kind)
        if expected_first and statuses[0] not in (expected_first, "error"):
            surprises.append(f"{row['submission']}: first exercise is {statuses[0]}, expected {expected_first}")
        if kind in ("right", "hanging", "crashing"):
            bad = [f"{r['id']} {r['status']}" for r in row["results"][1 if expected_first else 0:] if r["status"] != "passed"]
            if bad:
                surprises.append(f"{row['submission']}: a solution did not pass: {', '.join(bad)}")
        if kind == "wrong" and row["exercises_passed"]:
            surprises.append(f"{row['submission']}: {row['exercises_passed']} stubs passed")
    for kind in ("right", "wrong", "half", "hanging", "crashing"):
        chosen = [r for r in rows if labels[r["submission"]] == kind]
        if chosen:
            took = sum(r["duration_s"] for r in chosen) / len(chosen)
            passed = sum(r["exercises_passed"] for r in chosen) / len(chosen)
            print(f"  {kind:<9} {len(chosen):3d} rows, {passed:5.1f}/{n_ex} exercises passed, {took:6.2f} s of checks a row")
    for line in surprises:
        print("  surprise:", line)
    return 0 if len(rows) == expected_rows and code in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
