"""Stubs appear when they unlock (kata.stubs): which stubs a progress allows, which carry an earlier
answer, and the session writing each as it unlocks (a pass, a skip), never over a learner's file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kata.contract import CheckResult, StepResult
from kata.course import load_course
from kata.progress import DONE, SKIPPED, STARTED, Progress
from kata.session import Session
from kata.stubs import allowed, carried_answers, newly_allowed, write_allowed
from kata.workspace import init_workspace

from tests.conftest import FIXTURE_COURSE, REPO

SECOND = REPO / "courses" / "pytorch-from-scratch"


def progress(**statuses: str) -> Progress:
    found = Progress()
    for name, status in statuses.items():
        found.entry(name).status = status
    return found


def names(exercises) -> list[str]:
    return [ex.name for ex in exercises]


class PassingEngine:
    def __init__(self, passed: bool = True) -> None:
        self.passed = passed

    def check(self, request, on_event=None) -> CheckResult:
        ex = request.exercise
        step = StepResult(index=1, name="s", title="t", outcome="passed" if self.passed else "failed")
        return CheckResult(id=ex.id, name=ex.name, target=request.target_label,
                           status="passed" if self.passed else "failed", steps=[step])


# ---- the pure part ----

def test_a_new_learner_is_allowed_the_first_stub_only():
    course = load_course(FIXTURE_COURSE)
    assert names(allowed(course, Progress())) == ["add"]


@pytest.mark.parametrize("status", [DONE, SKIPPED])
def test_finishing_one_allows_the_next(status):
    course = load_course(FIXTURE_COURSE)
    assert names(allowed(course, progress(add=status))) == ["add", "double"]
    assert names(allowed(course, progress(add=status, double=DONE))) == ["add", "double", "spin"]


def test_a_started_exercise_stays_allowed():
    course = load_course(FIXTURE_COURSE)  # started before an instructor inserted one ahead of it
    assert names(allowed(course, progress(double=STARTED))) == ["add", "double"]


def test_newly_allowed_is_what_a_change_unlocks():
    course = load_course(FIXTURE_COURSE)
    assert names(newly_allowed(course, Progress(), progress(add=DONE))) == ["double"]
    assert names(newly_allowed(course, progress(add=DONE), progress(add=DONE))) == []
    assert names(newly_allowed(course, progress(double=DONE), progress(add=SKIPPED, double=DONE))) == ["spin"]


def test_the_second_courses_stubs_carry_no_answer():
    """Each stub holds only its own exercise's code and imports the learner's earlier files (kata.earlier)."""
    course = load_course(SECOND)
    assert all(not carried_answers(a, b) for a, b in zip(course.exercises, course.exercises[1:]))
    assert "earlier(\"01\").Value" in course.exercises[1].stub.read_text()


def test_the_fixture_courses_stubs_carry_no_answers():
    course = load_course(FIXTURE_COURSE)
    assert all(not carried_answers(a, b) for a, b in zip(course.exercises, course.exercises[1:]))


def test_an_answer_is_found_whatever_its_docstring(tmp_path):
    def ex(name: str, stub: str, solution: str):
        class Fake:
            pass
        fake = Fake()
        (tmp_path / f"{name}_stub.py").write_text(stub)
        (tmp_path / f"{name}_sol.py").write_text(solution)
        fake.stub, fake.solution = tmp_path / f"{name}_stub.py", tmp_path / f"{name}_sol.py"  # type: ignore[attr-defined]
        return fake

    one = ex("one", "def f(x):\n    raise NotImplementedError\n", 'def f(x):\n    """Twice."""\n    return 2 * x\n')
    two = ex("two", 'def f(x):\n    """Twice (exercise 01)."""\n    return 2 * x  # given\n', "")
    other = ex("other", "def f(x):\n    return x + x\n", "")
    assert carried_answers(one, two) == ["f"]  # type: ignore[arg-type]
    assert carried_answers(one, other) == []  # type: ignore[arg-type]


# ---- writing ----

def test_init_writes_what_the_progress_unlocks(tmp_path):
    ws, created, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    assert [p.name for p in created] == ["01_add.py"]
    with ws.progress.update() as saved:
        saved.skip("add")
    created, kept, locked = write_allowed(ws, ws.progress.load())
    assert [p.name for p in created] == ["02_double.py"] and [p.name for p in kept] == ["01_add.py"]
    assert names(locked) == ["spin", "boom"]


def test_a_pass_writes_the_next_stub_and_a_failure_writes_none(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    session = Session(ws)
    add, double = ws.course.exercises[:2]
    assert session.check(PassingEngine(passed=False), add).written == ()
    assert not ws.file_of(double).exists()
    verdict = session.check(PassingEngine(), add)
    assert verdict.unlocked == double and verdict.written == (ws.file_of(double),)
    assert ws.file_of(double).read_text() == double.stub.read_text()
    assert session.check(PassingEngine(), add).written == ()  # nothing new unlocks the second time


def test_a_skip_writes_the_next_stub_but_never_over_the_learners_file(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    double = ws.course.exercises[1]
    ws.file_of(double).write_text("mine\n")  # written by hand before it unlocked
    session = Session(ws)
    preview = session.skip_preview("01")
    assert preview is not None and preview.writes == () and preview.answers == {}
    assert session.skip("01").written == ()
    assert ws.file_of(double).read_text() == "mine\n"
    assert [p.name for p in session.skip("02").written] == ["03_spin.py"]


def test_a_skip_preview_names_the_answer_the_next_stub_carries(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "exercises" / "01_add.py").write_text("def add(a, b):\n    raise NotImplementedError\n")
    stub = course / "exercises" / "02_double.py"  # a stub that carries 01's answer as given code
    stub.write_text((course / "solutions" / "01_add.py").read_text() + "\n\n" + stub.read_text())
    ws, _, _ = init_workspace(tmp_path / "ws", course)
    first, second = ws.course.exercises[:2]
    preview = Session(ws).skip_preview(None)
    assert preview is not None and preview.exercise == first and preview.writes == (second,)
    assert "add" in preview.answers[second]
    assert sorted(p.name for p in (ws.root / "exercises").iterdir()) == ["01_add.py"]  # a preview writes nothing


def test_an_older_workspace_with_every_stub_keeps_them_all(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    for ex in ws.course.exercises[1:]:  # as an older kata wrote them
        ws.file_of(ex).write_text(ex.stub.read_text())
    _, created, kept = init_workspace(tmp_path / "ws")
    assert created == [] and len(kept) == 4
    session = Session(ws)
    assert session.skip_preview("01") is not None and session.skip_preview("01").writes == ()  # type: ignore[union-attr]
    assert session.check(PassingEngine(), ws.course.exercises[0]).written == ()
    assert all(Path(ws.file_of(ex)).exists() for ex in ws.course.exercises)
