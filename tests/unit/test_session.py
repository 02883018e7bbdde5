"""The learner's session over a fake engine: which exercise is current, what a pass unlocks, the
skip rules, hints, the done count, recording a verdict, and progress that cannot be saved."""

from __future__ import annotations

import pytest

from kata.contract import Cause, CheckResult, StepResult
from kata.errors import KataError
from kata.progress import DONE, READY, SKIPPED, STARTED, ProgressStore
from kata.session import Session
from kata.workspace import Workspace, init_workspace

from tests.conftest import FIXTURE_COURSE


class FakeEngine:
    """Answers each check with the outcomes set for its exercise (default: every step passes)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[str]] = {}
        self.cause: Cause | None = None
        self.requests: list = []

    def check(self, request, on_event=None) -> CheckResult:
        self.requests.append(request)
        ex = request.exercise
        outcomes = self.outcomes.get(ex.name, ["passed", "passed"])
        steps = [StepResult(index=i, name=f"s{i}", title="t", outcome=o) for i, o in enumerate(outcomes, 1)]
        status = "passed" if all(o == "passed" for o in outcomes) else "failed"
        if self.cause is not None:
            status = "crashed"
        return CheckResult(id=ex.id, name=ex.name, target=request.target_label, status=status, steps=steps,
                           cause=self.cause)


@pytest.fixture
def ws(tmp_path):
    workspace, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    return workspace


@pytest.fixture
def engine():
    return FakeEngine()


def ex(ws, ident):
    return ws.course.find(ident)


def statuses(ws) -> list[str]:
    """As a fresh process would see them: from the file on disk."""
    progress = ProgressStore(ws.progress.path).load()
    return [progress.get(e.name).status for e in ws.course.exercises]


def test_the_current_exercise_is_the_first_neither_done_nor_skipped(ws, engine):
    session = Session(ws)
    assert session.current() == ex(ws, "01")
    session.check(engine, ex(ws, "01"))
    assert session.current() == ex(ws, "02")
    session.skip(None)
    assert session.current() == ex(ws, "03")


def test_a_pass_unlocks_the_next_only_the_first_time(ws, engine):
    session = Session(ws)
    first = session.check(engine, ex(ws, "01"))
    assert first.unlocked == ex(ws, "02") and first.ran
    again = session.check(engine, ex(ws, "01"))
    assert again.result.passed and again.unlocked is None


def test_a_locked_exercise_is_not_run_and_names_what_to_finish(ws, engine):
    verdict = Session(ws).check(engine, ex(ws, "03"))
    assert verdict.result.status == "locked" and not verdict.ran and engine.requests == []
    assert "finish 01 add first" in verdict.result.message and "kata skip 01" in verdict.result.message


def test_passing_the_last_exercise_finishes_the_course_once(ws, engine):
    session = Session(ws)
    for ident in ("01", "02", "03"):
        assert not session.check(engine, ex(ws, ident)).finished_course
    assert session.check(engine, ex(ws, "04")).finished_course
    assert not session.check(engine, ex(ws, "04")).finished_course
    assert session.current() is None


def test_skip_without_an_id_skips_the_current_one_and_names_the_real_next(ws, engine):
    session = Session(ws)
    first = session.skip(None)
    assert first.exercise == ex(ws, "01") and first.already is None and first.following == ex(ws, "02")
    session.check(engine, ex(ws, "01"))  # done after skipped: 02 is current, never the skipped 01
    second = session.skip(None)
    assert second.exercise == ex(ws, "02") and second.following == ex(ws, "03")
    assert statuses(ws) == [DONE, SKIPPED, READY, READY]


def test_a_locked_exercise_cannot_be_skipped(ws):
    with pytest.raises(KataError) as raised:
        Session(ws).skip("03")
    assert "03 spin is locked (01 add is not finished)" in raised.value.message
    assert "kata skip 01" in raised.value.fix
    assert statuses(ws) == [READY, READY, READY, READY]


def test_skipping_one_already_done_or_skipped_changes_nothing(ws, engine):
    session = Session(ws)
    session.check(engine, ex(ws, "01"))
    session.save()
    assert session.skip("01").already == DONE
    session.skip("02")
    assert session.skip("02").already == SKIPPED
    assert statuses(ws)[:2] == [DONE, SKIPPED]


def test_nothing_to_skip_once_every_exercise_is_finished(ws):
    session = Session(ws)
    for _ in ws.course.exercises:
        session.skip(None)
    with pytest.raises(KataError, match="nothing to skip"):
        session.skip(None)


def test_going_on_passes_over_exercises_already_finished(ws, engine):
    session = Session(ws)
    session.check(engine, ex(ws, "01"))
    session.skip("02")
    assert session.go_on_from(ex(ws, "01")) == ex(ws, "03")
    assert session.go_on_from(ex(ws, "04")) is None


def test_hints_count_up_to_all_of_them_and_are_saved(ws):
    session = Session(ws)
    add = ex(ws, "01")
    assert [session.show_hint(add) for _ in range(3)] == [1, 2, 2]
    assert Session(ws).hints_shown(add) == 2


def test_the_done_count_keeps_skipped_apart(ws, engine):
    session = Session(ws)
    session.check(engine, ex(ws, "01"))
    session.skip("02")
    assert session.counts() == (1, 1)


def test_a_verdict_is_recorded_in_memory_then_saved_once(ws, engine):
    session = Session(ws)
    engine.outcomes["add"] = ["passed", "failed"]
    verdict = session.check(engine, ex(ws, "01"))
    assert session.progress.get("add").status == STARTED and verdict.source.digest
    assert statuses(ws)[0] == READY  # not on disk until saved
    assert session.save() is None
    assert statuses(ws)[0] == STARTED
    assert ProgressStore(ws.progress.path).load().get("add").steps_passed == 1


def test_a_verdict_from_another_process_in_between_is_kept(ws, engine):
    session = Session(ws)
    session.check(engine, ex(ws, "01"))
    with ProgressStore(ws.progress.path).update() as other:  # another terminal skips 02 meanwhile
        other.skip("double")
    session.save()
    assert statuses(ws)[:2] == [DONE, SKIPPED]


def test_a_skip_in_another_process_is_seen_on_refresh(ws, engine):
    session = Session(ws)
    assert session.check(engine, ex(ws, "02")).result.status == "locked"
    Session(Workspace(ws.root, ws.course)).skip("add")  # as another `kata skip` would
    session.refresh()
    assert session.check(engine, ex(ws, "02")).result.passed


def test_a_crashed_worker_changes_no_progress(ws, engine):
    session = Session(ws)
    engine.outcomes["add"] = ["passed", "failed"]
    session.check(engine, ex(ws, "01"))
    session.save()
    engine.cause = Cause.WORKER_CRASHED
    session.check(engine, ex(ws, "01"))
    session.save()
    entry = ProgressStore(ws.progress.path).load().get("add")
    assert (entry.status, entry.steps_passed, entry.steps_total) == (STARTED, 1, 2)


def test_a_missing_file_says_how_to_get_the_stub_back(ws, engine):
    ws.file_of(ex(ws, "01")).unlink()
    verdict = Session(ws).check(engine, ex(ws, "01"))
    assert verdict.result.status == "error" and "kata reset 01" in verdict.result.message and not verdict.ran


def test_unsaved_progress_keeps_the_verdict_and_says_why(ws, engine, monkeypatch):
    """What a read-only workspace does, even for root: the temp file cannot be made."""
    import errno

    import kata.progress

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    session = Session(ws)
    with monkeypatch.context() as patched:
        patched.setattr(kata.progress.tempfile, "mkstemp", read_only)
        verdict = session.check(engine, ex(ws, "01"))
        why = session.save()
    assert verdict.result.passed and why == "Read-only file system" and session.unsaved == why
    assert session.current() == ex(ws, "02")  # the session still knows
    assert statuses(ws)[0] == READY  # the disk does not
    assert session.save() is None and statuses(ws)[0] == DONE  # writable again: kept at the next save


def test_the_carry_step_runs_only_on_the_file_its_verdict_judged(ws, engine):
    """The step reads the learner's file again: saved since the verdict (or during the step), it says
    nothing, and that save's own check carries instead."""
    session = Session(ws)
    first = ex(ws, "01")
    path = ws.file_of(first)
    path.write_text(first.solution.read_text() + "\n# builds on earlier(...) work\n")
    verdict = session.check(engine, first, carry=False)
    assert verdict.result.passed and len(engine.requests) == 1
    session.carry(engine, first, verdict)
    assert [r.earlier for r in engine.requests] == ["", "yours"]  # the step ran, on the learner's earlier files
    path.write_text(path.read_text() + "\n")  # saved again
    assert session.carry(engine, first, verdict) == "" and len(engine.requests) == 2
