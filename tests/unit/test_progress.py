"""Progress: recording, unlocking, and a store that survives corruption and concurrency."""

import json
import multiprocessing
from pathlib import Path

from kata.course import load_course
from kata.progress import (DONE, LOCKED, READY, SKIPPED, STARTED, Progress, ProgressStore, blocker,
                           first_unfinished, state_of)
from kata.results import CheckResult, StepResult

from tests.conftest import FIXTURE_COURSE


def result(name: str, outcomes: list[str]) -> CheckResult:
    steps = [StepResult(index=i, name=f"s{i}", title="t", outcome=o) for i, o in enumerate(outcomes, 1)]
    status = "passed" if all(o == "passed" for o in outcomes) else "failed"
    return CheckResult(id="01", name=name, target="x", status=status, steps=steps)


COURSE = load_course(FIXTURE_COURSE)
ADD, DOUBLE, SPIN, BOOM = COURSE.exercises


def test_only_the_first_exercise_is_unlocked_at_start():
    progress = Progress()
    assert [state_of(COURSE, progress, ex) for ex in COURSE.exercises] == [READY, LOCKED, LOCKED, LOCKED]
    assert first_unfinished(COURSE, progress) == ADD
    assert blocker(COURSE, progress, SPIN) == ADD


def test_passing_unlocks_the_next():
    progress = Progress()
    progress.record(result("add", ["passed", "passed"]), "h1")
    assert state_of(COURSE, progress, ADD) == DONE
    assert state_of(COURSE, progress, DOUBLE) == READY
    assert state_of(COURSE, progress, SPIN) == LOCKED


def test_partial_pass_is_started_with_counts():
    progress = Progress()
    progress.record(result("add", ["passed", "failed"]), "h")
    assert state_of(COURSE, progress, ADD) == STARTED
    assert (progress.get("add").steps_passed, progress.get("add").steps_total) == (1, 2)


def test_done_stays_done_after_a_later_failure():
    progress = Progress()
    progress.record(result("add", ["passed", "passed"]), "h1")
    progress.record(result("add", ["failed", "failed"]), "h2")
    assert progress.get("add").status == DONE
    assert progress.get("add").done_hash == "h1"


def test_skip_unlocks_the_next_and_a_pass_upgrades_it():
    progress = Progress()
    progress.skip("add")
    assert state_of(COURSE, progress, ADD) == SKIPPED
    assert state_of(COURSE, progress, DOUBLE) == READY
    progress.record(result("add", ["passed"]), "h")
    assert state_of(COURSE, progress, ADD) == DONE


def test_progress_is_keyed_by_name_not_position():
    progress = Progress()
    progress.record(result("double", ["passed"]), "h")
    data = json.loads(json.dumps(progress.to_json()))
    assert "double" in data["exercises"]


def test_store_round_trip(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    with store.update() as progress:
        progress.record(result("add", ["passed"]), "abc")
        progress.entry("double").hints_shown = 2
    again = ProgressStore(tmp_path / "progress.json").load()
    assert again.get("add").status == DONE and again.get("double").hints_shown == 2


def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{ this is not json")
    store = ProgressStore(path)
    progress = store.load()
    assert progress.entries == {}
    assert len(store.warnings) == 1 and "kata check --all" in store.warnings[0]
    aside = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"
    assert not path.exists()


def test_wrong_shape_counts_as_corrupt(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"format": 1, "exercises": {"add": "done"}}))
    store = ProgressStore(path)
    assert store.load().entries == {} and store.warnings


def _bump(path: str, name: str, times: int) -> None:
    store = ProgressStore(Path(path))
    for _ in range(times):
        with store.update() as progress:
            progress.entry(name).hints_shown += 1


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "progress.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_bump, args=(str(path), name, 40)) for name in ("add", "double", "add")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    progress = ProgressStore(path).load()
    assert progress.get("add").hints_shown == 80
    assert progress.get("double").hints_shown == 40
    assert not list(tmp_path.glob("*.tmp"))


def test_an_exercise_already_worked_on_stays_unlocked_after_an_insert_before_it():
    progress = Progress()
    progress.record(result("add", ["passed", "passed"]), "h")
    progress.record(result("double", ["passed", "failed"]), "h")
    progress.record(result("spin", ["passed"]), "h")
    # an instructor inserts a new exercise before `double`: `add` is done, but the new one is not
    progress.entries["new_one"] = progress.get("new_one")
    from kata.course import Course, Exercise
    inserted = Exercise(2, "new_one", "New", (), 10.0, ADD.root)
    course = Course(COURSE.root, "c", "c", (ADD, inserted, DOUBLE, SPIN, BOOM))
    assert blocker(course, progress, DOUBLE) is None
    assert blocker(course, progress, SPIN) is None
    assert state_of(course, progress, BOOM) == LOCKED
    assert blocker(course, progress, BOOM) == inserted


def test_a_file_that_is_not_utf8_is_set_aside(tmp_path):
    path = tmp_path / "progress.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    store = ProgressStore(path)
    assert store.load().entries == {} and store.warnings
    assert list(tmp_path.glob("progress.json.corrupt-*"))


def test_fields_of_the_wrong_type_are_corrupt(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"format": 1, "exercises": {"add": {"status": "started", "hints_shown": "1"}}}))
    store = ProgressStore(path)
    assert store.load().entries == {} and "hints_shown" in store.warnings[0]


def test_an_unknown_status_is_corrupt(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"format": 1, "exercises": {"add": {"status": "finished"}}}))
    assert ProgressStore(path).load().entries == {}


def test_a_crashed_worker_or_broken_checks_change_no_progress():
    from kata.results import Cause

    progress = Progress()
    progress.record(result("add", ["passed", "failed"]), "h")
    for cause in (Cause.WORKER_CRASHED, Cause.CHECKS_BROKEN, Cause.PYTEST_BROKEN):
        crashed = result("add", ["crashed"])
        crashed.cause = cause
        progress.record(crashed, "h")
        assert state_of(COURSE, progress, ADD) == STARTED
        assert (progress.get("add").steps_passed, progress.get("add").steps_total) == (1, 2)
