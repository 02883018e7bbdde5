"""Runs many check jobs over the machine's cores: one warm Engine per thread.

An Engine only talks to its worker process, so a thread per Engine is enough
to keep every core busy; the children do the work. `kata verify` and
`kata grade` share this. Results come back in task order, and `on_result` sees
each one in that order as soon as it and every task before it are done.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Callable, Sequence, TypeVar

from kata import settings
from kata.engine.client import Engine

# Check tensors are tiny: several single-threaded children beat threads fighting for the cores.
# Measured on 2 busy cores: 17 train's checks take 1.4 s with torch's default threads, 0.3 s with one.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}


def batch_env() -> dict[str, str]:
    """The environment a batch engine (a pool's, a Dask worker's) adds to this process's.

    One thread per child, unless the grader set otherwise; and no standby child: a standby forks
    and collects ahead of a run to take that off a waiting learner's path, but a batch's cores
    are never idle, and each standby the next task does not use (another exercise's checks) is
    a fork and a collection thrown away. Measured on an idle 2-core machine (CPU counted by a
    cgroup, `--jobs 1`): `kata verify` of the first course 42.9 → 38.1 CPU-s and 41.9 → 38.5 s;
    `kata grade` of three submissions 8.8 → 7.7 CPU-s (docs/performance.md)."""
    return {**{k: v for k, v in ONE_THREAD.items() if k not in os.environ}, "KATA_NO_STANDBY": "1"}


def grading_env() -> dict[str, str]:
    """A grading engine's environment: a batch engine's, and no working folder on the import path.

    `python -m` puts the folder it starts in first on the path, and a grade started inside the class
    folder (`kata grade .`) would have its trusted worker import a student's `html.py` or `decimal.py`
    in place of the standard library's, and run it beside the checks (found by a red team)."""
    return {**batch_env(), "PYTHONSAFEPATH": "1"}


T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on (its affinity, not the whole machine)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def default_jobs() -> int:
    """Engines to run at once when the command was given no `--jobs`: KATA_JOBS, else one per core.

    A pool's engine costs a warm worker (torch imported; in judged mode a sandbox that imports it
    too), seconds of CPU that only pay where a core is free to run it."""
    return settings.current().jobs or cores()


def engine_count(jobs: int | None, tasks: int) -> int:
    """The engines a pool of `tasks` starts: `jobs`, else `default_jobs()`, never more than the tasks."""
    return max(1, min(jobs or default_jobs(), tasks))


def run_all(tasks: Sequence[T], work: Callable[[Engine, T], R], jobs: int | None = None,
            on_result: Callable[[int, R], None] | None = None, env: dict[str, str] | None = None) -> list[R]:
    """`work(engine, task)` for every task, over `jobs` engines (default: `default_jobs()`), each started
    with `env` (default: `batch_env()`)."""
    count = engine_count(jobs, len(tasks))
    results: dict[int, R] = {}  # by task index, as each finishes
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(tasks)):
        todo.put(index)
    lock = threading.Lock()
    shown = 0
    failures: list[BaseException] = []

    def finish(index: int, result: R) -> None:
        nonlocal shown
        with lock:  # the callback runs under the lock, so it may print without interleaving
            results[index] = result
            while shown < len(tasks) and shown in results:
                if on_result is not None:
                    on_result(shown, results[shown])
                shown += 1

    def loop() -> None:
        try:
            with Engine(env=env if env is not None else batch_env()) as engine:
                while not failures:
                    try:
                        index = todo.get_nowait()
                    except queue.Empty:
                        return
                    finish(index, work(engine, tasks[index]))
        except BaseException as exc:  # a bug in `work`: stop the others, re-raise in the caller
            failures.append(exc)

    threads = [threading.Thread(target=loop, name=f"kata-engine-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # a short join keeps Ctrl-C responsive in the main thread
    if failures:
        raise failures[0]
    return [results[index] for index in range(len(tasks))]
