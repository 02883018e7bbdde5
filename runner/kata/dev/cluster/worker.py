"""The Dask worker's side of `kata grade --scheduler`: one warm kata Engine per worker (a WorkerPlugin),
the course fetched once per digest, and the task that grades one submission on it.

Each submission is graded exactly as local grading does (`kata.dev.grade_one`); results go back in
the contract's wire form, with the worker's folders in messages replaced by the grader's.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import cast

from kata.contract import CheckResult, result_to_wire
from kata.course import Exercise
from kata.dev.cluster.archive import course_digest, unpack_course
from kata.dev.cluster.parcels import Parcel, unpack_submission
from kata.dev.grade_one import BrokenFiles, grade_one, refused_result

try:
    from distributed import WorkerPlugin
except ImportError:  # without the `cluster` extra; `connect` says how to install it
    WorkerPlugin = object  # type: ignore[assignment,misc]

PLUGIN = "kata-grader"


class KataGrader(WorkerPlugin):
    """One warm kata Engine per Dask worker; tasks take turns on it."""

    name = PLUGIN
    idempotent = True  # a later `kata grade` keeps the engine that is already warm

    def __init__(self, detach: bool = False) -> None:
        self.detach = detach  # local:N: leave the terminal's process group, so Ctrl-C reaches only the grader

    def setup(self, worker) -> None:
        from kata.engine.pool import grading_env
        from kata.engine import Engine

        if self.detach:
            with contextlib.suppress(OSError):
                os.setpgid(0, 0)
        self.lock = threading.Lock()
        self.engine = Engine(env=grading_env())
        threading.Thread(target=self._warm, name="kata-warm", daemon=True).start()  # off the event loop

    def _warm(self) -> None:
        with self.lock, contextlib.suppress(Exception):
            self.engine.start()

    def teardown(self, worker) -> None:
        with self.lock:
            self.engine.close()


_courses: dict[str, Path] = {}  # digest -> the folder this worker process grades that course from


_courses_lock = threading.Lock()


def variable_name(digest: str) -> str:
    return f"kata-course-{digest}"


def _installed(digest: str) -> Path | None:
    from kata.course_sources import installed

    for offered in installed():
        if offered.root is not None and offered.course is not None:
            with contextlib.suppress(OSError):
                if course_digest(offered.root) == digest:
                    return offered.root
    return None


def _course_root(digest: str) -> Path:
    """A folder holding the course at `digest`: one this worker has, else the archive, fetched and unpacked."""
    with _courses_lock:
        root = _courses.get(digest)
        if root is not None and course_digest(root) == digest:
            return root
        root = _installed(digest)
        if root is None:
            from distributed import Variable, get_client

            blob = Variable(variable_name(digest), client=get_client()).get(timeout="120 s")
            root = Path(tempfile.mkdtemp(prefix="kata-course-"))
            atexit.register(shutil.rmtree, root, True)
            unpack_course(blob, digest, root)
        _courses[digest] = root
        return root


def _swap(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        text = text.replace(old, new)
    return text


def _shown_as_on_grader(result: CheckResult, swaps: list[tuple[str, str]]) -> CheckResult:
    result.target, result.message, result.output = (_swap(t, swaps) for t in (result.target, result.message,
                                                                               result.output))
    for step in result.steps:
        step.message, step.output = _swap(step.message, swaps), _swap(step.output, swaps)
    result.integrity = [_swap(why, swaps) for why in result.integrity]  # reasons name paths too
    return result


def grade_parcel(parcel: Parcel, exercises: list[Exercise], digest: str, course_home: str, judged: bool,
                 require_sandbox: bool) -> tuple[list[dict], bool]:
    """The Dask task: one submission against `exercises`, on this worker's engine.
    Returns each exercise's result (wire form) and whether the course changed while grading."""
    from distributed import get_worker

    grader = cast(KataGrader, get_worker().plugins[PLUGIN])  # registered by grade_rows under that name
    root = _course_root(digest)
    chosen = [dataclasses.replace(ex, root=root, solutions_dir=None) for ex in exercises]
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as tmp:
        sub = unpack_submission(parcel, Path(tmp))
        results, broken = [], BrokenFiles()  # a one-file submission that does not import: judged once
        with grader.lock:
            for ex in chosen:
                if ex.name in parcel.refused:
                    name, why = parcel.refused[ex.name]
                    results.append(refused_result(ex, f"{parcel.label}: {name}", why))
                else:
                    results.append(grade_one(grader.engine, sub, ex, judged, require_sandbox, broken,
                                              parcel.notes.get(ex.name)))
        swaps = [(str(Path(tmp)), parcel.home), (str(root), course_home.rstrip(os.sep))]
        shown = [result_to_wire(_shown_as_on_grader(r, swaps)) for r in results]
    return shown, course_digest(root) != digest


def has_bwrap() -> bool:
    from kata.judge.sandbox import bwrap_path

    return bwrap_path() is not None
