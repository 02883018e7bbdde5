"""kata.dev.cluster without a cluster: the course archive, submissions as data, and the rows of failures."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from kata.contract import CheckResult, StepResult
from kata.course import load_course
from kata.dev.cluster import archive, grader, parcels, worker
from kata.dev.grade import Row
from kata.dev.submissions import Submission, find_submissions
from tests.conftest import HOSTILE, TESTS

COURSE = TESTS / "grading_course"


def _tar(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
    return out.getvalue()


def _digest(members: dict[str, bytes]) -> str:
    return archive.digest_of(iter(sorted(members.items())))


def test_the_archive_holds_the_course_without_solutions_and_unpacks_to_the_same_digest(tmp_path):
    digest, blob = archive.pack_course(COURSE)
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        names = tar.getnames()
    assert "kata.toml" in names and "checks/test_01_scale.py" in names and "exercises/01_scale.py" in names
    assert not any(n.startswith(("solutions", "mistakes")) or "__pycache__" in n for n in names)
    assert archive.pack_course(COURSE) == (digest, blob)  # the same files, the same bytes
    archive.unpack_course(blob, digest, tmp_path)
    assert archive.course_digest(tmp_path) == digest == archive.course_digest(COURSE)
    assert [ex.name for ex in load_course(tmp_path).exercises] == ["scale", "mean", "nudge"]


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil", "checks/../../evil.py", "solutions/01_scale.py",
                                  "kata.toml/x", "exercises\\..\\evil.py"], ids=str)
def test_a_path_outside_the_course_files_is_refused(tmp_path, name):
    members = {"kata.toml": b"x", name: b"print('pwned')"}
    with pytest.raises(ValueError, match="not a course file"):
        archive.unpack_course(_tar(members), _digest(members), tmp_path / "dest")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "dest").exists()


def test_a_link_in_the_archive_is_refused(tmp_path):
    members = {"kata.toml": b"x"}
    with pytest.raises(ValueError, match="not a plain file"):
        archive.unpack_course(_tar(members, symlink="checks/test_01_scale.py"), _digest(members), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_archive_that_does_not_match_its_digest_is_refused(tmp_path):
    members = {"kata.toml": b"x", "checks/test_01_a.py": b"def test_a(exercise): pass\n"}
    tampered = dict(members, **{"checks/test_01_a.py": b"def test_a(exercise): assert True\n"})
    with pytest.raises(ValueError, match="digest"):
        archive.unpack_course(_tar(tampered), _digest(members), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_submissions_travel_as_bytes_and_refusals_as_reasons(tmp_path):
    course = load_course(COURSE)
    right = (HOSTILE / "grading" / "right.py").read_text()
    folder = tmp_path / "ann" / "exercises"
    folder.mkdir(parents=True)
    (folder / "01_scale.py").write_text(right)
    (folder / "02_mean.py").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "secret.txt").write_text("TOP-SECRET")
    (tmp_path / "bob.py").write_text(right)
    ann, bob = find_submissions([tmp_path / "ann", tmp_path / "bob.py"], course)
    parcel = parcels.pack_submission(ann, list(course.exercises))
    assert parcel.files == {"exercises/01_scale.py": right.encode()}
    assert parcel.refused["mean"][0] == "02_mean.py" and "symbolic link" in parcel.refused["mean"][1]
    assert "TOP-SECRET" not in repr(parcel)
    assert parcel.home == str(tmp_path) and not parcel.is_file
    one = parcels.pack_submission(bob, list(course.exercises))
    assert one.is_file and one.files == {"bob.py": right.encode()} and one.name == "bob.py"

    for sent in (parcel, one):  # what the worker rebuilds finds the same file for every exercise
        (tmp_path / f"worker-{sent.name}").mkdir()
        rebuilt = parcels.unpack_submission(sent, tmp_path / f"worker-{sent.name}")
        for ex in course.exercises:
            found = rebuilt.file_for(ex)
            original = (ann if sent is parcel else bob).file_for(ex)
            assert (found is None) == (original is None) or ex.name in sent.refused
            if found is not None and ex.name not in sent.refused:
                assert found.read_text() == right and found.name == original.name


def test_the_workers_folders_are_shown_as_the_graders():
    result = CheckResult(id="01", name="scale", target="ann: 01_scale.py", message="/w/tmp1/ann/01_scale.py:3",
                         steps=[StepResult(1, "a", "A", message="/w/course/checks/test_01_scale.py:9 in test_a\n"
                                                                  "/w/tmp1/ann/01_scale.py:3")])
    shown = worker._shown_as_on_grader(result, [("/w/tmp1", "/home/me/class"), ("/w/course", "/home/me/course")])
    assert shown.message == "/home/me/class/ann/01_scale.py:3"
    assert shown.steps[0].message == "/home/me/course/checks/test_01_scale.py:9 in test_a\n/home/me/class/ann/01_scale.py:3"


def test_a_row_whose_worker_died_twice_says_so():
    distributed = pytest.importorskip("distributed")
    course = load_course(COURSE)
    row = Row(Submission("ann", COURSE / "solutions"))
    row.missing = {"nudge"}
    died = distributed.KilledWorker("kata-grade-x-000001", "tcp://127.0.0.1:4242", 1)
    results = grader._failed_row(row, list(course.exercises), died)
    assert [r.status for r in results] == ["crashed", "crashed", "error"]
    assert "died 2 times" in results[0].message and "tcp://127.0.0.1:4242" in results[0].message
    assert all(s.message.startswith("not graded:") for s in results[0].steps)
    raised = grader._failed_row(row, list(course.exercises), OSError("disk full"))
    assert raised[0].status == "error" and "failed 2 times" in raised[0].message and "disk full" in raised[0].message


def test_local_n_must_be_a_number_of_workers():
    pytest.importorskip("distributed")
    from kata.errors import KataError

    for bad in ("local:", "local:0", "local:two"):
        with pytest.raises(KataError, match="number of workers"):
            with grader.connect(bad):
                pass


def test_grading_dot_labels_the_submission_with_its_folder(tmp_path, monkeypatch):
    course = load_course(COURSE)
    (tmp_path / "exercises").mkdir()
    monkeypatch.chdir(tmp_path)
    [sub] = find_submissions([Path(".")], course)
    assert sub.label == tmp_path.name and sub.path == Path(os.path.abspath(tmp_path))


def test_a_row_whose_task_was_cancelled_says_so():
    pytest.importorskip("distributed")
    import asyncio

    course = load_course(COURSE)
    results = grader._failed_row(Row(Submission("ann", COURSE)), list(course.exercises), asyncio.CancelledError())
    assert {r.status for r in results} == {"error"} and "cancelled" in results[0].message


def test_a_parcel_carries_a_sources_bytes_and_the_earlier_files_beside_it(tmp_path):
    """A latin-1 source with its coding line arrives as it was (decoded as UTF-8 it would not compile), and
    a folder's earlier exercises travel with a later one, so `earlier(...)` finds on a worker what it
    finds on the grader's machine (kata.earlier.own_earlier); a one-file submission carries only itself."""
    from kata.earlier import own_earlier

    course = load_course(COURSE)
    ann = tmp_path / "class" / "ann"
    ann.mkdir(parents=True)
    latin = "# -*- coding: latin-1 -*-\ndef carré(x):\n    return x\n".encode("latin-1")
    (ann / "01_scale.py").write_bytes(latin)
    (ann / "02_mean.py").write_text("def mean(values):\n    return 0\n")
    (ann / "02_mean.ipynb").write_text("{}")
    (ann / "03_nudge.py").write_text("from kata.earlier import earlier\n")
    (tmp_path / "class" / "01_carol.py").write_text("# carol's\n")
    (sub,) = find_submissions([ann], course)
    parcel = parcels.pack_submission(sub, [course.find("nudge")])
    mine = {n: p.name for n, p in own_earlier(ann / "03_nudge.py", COURSE / "exercises").items()}
    assert set(mine) == {"01", "02"} and mine["01"] == "01_scale.py"
    assert set(parcel.files) == {"03_nudge.py", *mine.values()}  # of a notebook and its .py, the one chosen
    assert parcel.files["01_scale.py"] == latin
    (tmp_path / "worker").mkdir()
    rebuilt = parcels.unpack_submission(parcel, tmp_path / "worker")
    target = rebuilt.file_for(course.find("nudge"))
    assert {n: p.name for n, p in own_earlier(target, COURSE / "exercises").items()} == mine
    compile((tmp_path / "worker" / "ann" / "01_scale.py").read_bytes(), "01_scale.py", "exec")
    (one,) = find_submissions([tmp_path / "class" / "01_carol.py"], course)
    assert set(parcels.pack_submission(one, list(course.exercises)).files) == {"01_carol.py"}
