"""`kata grade` against a class of cheaters: every attack in tests/hostile/grading/, in one run.

The class also holds honest submissions (right, wrong, stub). The run must give
no attack a single exercise, leave every honest verdict as it is alone, leave
the checks as they were, and leave no process behind.

Attacks on the students graded beside them (tests/hostile/grading/README.md): planters named
`a_*` run before the honest rows and readers named `zz_*` after them (rows are graded in
alphabetical order), so state that one run leaves for another (files, modules, IPC, a hijacked
warm process) shows as an honest row that differs from grading it alone, or as a reader that
passes. The grade runs under a wall-clock limit: an attack that stops the sandbox must not hang it.
A course package installed in site-packages for the run holds solutions four folders deep.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import shutil
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import HOSTILE, TESTS

COURSE = TESTS / "grading_course"
ATTACKS = HOSTILE / "grading"
HONEST = {"right": 3, "wrong": 0, "stub": 0, "probing": 0}
GRADE_LIMIT_S = 150  # the whole class: ~40 s when nothing hangs (module timeout below)
pytestmark = pytest.mark.timeout(GRADE_LIMIT_S + 90)  # the fixture grades twice, under its own limits
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        sha.update(path.name.encode() + path.read_bytes())
    return sha.hexdigest()


def _attack_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as handle:
                if handle.read().strip() == "kata-attack":
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _grade(root: Path, *args: str, limit: float = GRADE_LIMIT_S) -> dict:
    """`kata grade ... --json` in its own session, killed with everything it started after `limit` s;
    the rows printed until then are kept."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="120")
    proc = subprocess.Popen([sys.executable, "-m", "kata", "grade", *args, "--json", "--require-sandbox",
                             "--timeout", "3"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    finally:  # also when pytest-timeout interrupts: the grade and its workers must not outlive the test
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    rows = {}
    for line in stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        rows[row["submission"]] = row
    return {"returncode": proc.returncode, "stdout": stdout, "stderr": stderr, "rows": rows, "timed_out": timed_out}


def _verdicts(row: dict) -> list[tuple]:
    return [(r["name"], r["status"], r["steps_passed"], r["steps_total"]) for r in row["results"]]


def _fake_course_package(tag: str) -> Path:
    """A third-party package in the venv's site-packages with a course four folders down.

    The folder's mtime is put back at once: it is part of a shared engine's key (a pip install makes
    a warm worker stale), and a test running beside this one must keep the key it started with."""
    site = Path(sysconfig.get_paths()["purelib"])
    package = site / f"kata_test_fake_course_{tag}"
    course = package / "a" / "b" / "c"
    with _site_mtime_kept(site):
        (course / "solutions").mkdir(parents=True)
    (course / "checks").mkdir()
    (package / "__init__.py").write_text("")
    (course / "kata.toml").write_text('format_version = 1\nname = "fake"\ntitle = "Fake"\n')
    secret = f"# FAKE-COURSE-SECRET-{tag}\n"
    for name, text in COURSE_SOLUTIONS.items():
        (course / "solutions" / name).write_text(secret + text)
        (course / "checks" / f"test_{name}").write_text(secret + "def test_it(exercise):\n    pass\n")
    return package


COURSE_SOLUTIONS = {
    "01_scale.py": "def scale(x, k):\n    return x * k\n",
    "02_mean.py": "def mean(values):\n    return sum(values) / len(values)\n",
    "03_nudge.py": "import torch\n\n\ndef nudge(x, lr):\n    with torch.no_grad():\n        x -= lr * x.grad\n",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1":
        pytest.skip("bubblewrap is not installed")
    root = tmp_path_factory.mktemp("attacks")
    tag = uuid.uuid4().hex[:12]
    package = _fake_course_package(tag)
    try:
        yield _graded(root, tag)
    finally:
        with _site_mtime_kept(package.parent):
            shutil.rmtree(package, ignore_errors=True)


@contextlib.contextmanager
def _site_mtime_kept(site: Path) -> Iterator[None]:
    before = site.stat()
    try:
        yield
    finally:
        os.utime(site, ns=(before.st_atime_ns, before.st_mtime_ns))


def _graded(root: Path, tag: str) -> dict:
    course = root / "course"
    shutil.copytree(COURSE, course)
    subs = root / "class"
    subs.mkdir()
    alone = root / "alone"
    alone.mkdir()
    markers = {name: f"secret-marker-{name}-{tag}" for name in HONEST}
    for path in ATTACKS.glob("*.py"):
        text = path.read_text()
        if path.stem in HONEST:  # each honest file carries a marker that must show in no other row
            text = f"# {markers[path.stem]}\n{text}"
            (alone / path.name).write_text(text)
        (subs / path.name).write_text(text)
    secret = root / "secret.txt"
    secret.write_text("root:$6$TOP-SECRET-HASH:19000:0:99999:7:::\n")
    linked = subs / "symlinked"
    linked.mkdir()
    (linked / "01_scale.py").symlink_to(secret)
    (linked / "02_mean.py").symlink_to(subs / "right.py")
    huge = subs / "huge.py"
    huge.write_text((ATTACKS / "right.py").read_text() + "\n" + "# padding\n" * 700_000)
    before = _digest(course)
    by_itself = _grade(root, str(alone), "--course", str(course), limit=60)
    started = time.monotonic()
    # two engines, as on a 2-core machine: each runs some of the planters' runs before an honest one, so
    # state a sandbox keeps between runs shows whatever the grader's core count
    run = _grade(root, str(subs), "--course", str(course), "--jobs", "2")
    elapsed = time.monotonic() - started
    time.sleep(0.5)
    return {"proc": subprocess.CompletedProcess([], run["returncode"], run["stdout"], run["stderr"]),
            "rows": run["rows"], "timed_out": run["timed_out"], "alone": by_itself["rows"],
            "digest_before": before, "digest_after": _digest(course), "markers": markers,
            "course_secret": f"FAKE-COURSE-SECRET-{tag}", "survivors": _attack_processes(), "elapsed": elapsed}


@needs_bwrap
def test_every_submission_has_a_row(graded):
    proc, rows = graded["proc"], graded["rows"]
    expected = {p.stem for p in ATTACKS.glob("*.py")} | {"symlinked", "huge"}
    assert set(rows) == expected, proc.stderr


@needs_bwrap
def test_honest_rows_keep_their_verdicts(graded):
    for name, passed in HONEST.items():
        row = graded["rows"][name]
        assert row["exercises_passed"] == passed, json.dumps(row, indent=1)[:3000]
    assert graded["rows"]["right"]["steps_passed"] == graded["rows"]["right"]["steps_total"] == 9


@needs_bwrap
@pytest.mark.parametrize("attack", sorted(p.stem for p in ATTACKS.glob("*.py") if p.stem not in HONEST))
def test_no_attack_passes_anything(graded, attack):
    row = graded["rows"][attack]
    assert row["exercises_passed"] == 0, json.dumps(row, indent=1)[:3000]
    assert row["steps_passed"] == 0, json.dumps(row, indent=1)[:3000]


@needs_bwrap
def test_every_row_says_how_it_was_isolated(graded):
    assert graded["rows"], graded["proc"].stderr[-3000:]  # never passed by grading nothing
    for name, row in graded["rows"].items():
        expected = "refused" if name in ("huge", "symlinked") else "bubblewrap"
        assert expected in row["isolation"], row


@needs_bwrap
def test_symlinks_are_refused_without_leaking(graded):
    row = graded["rows"]["symlinked"]
    text = json.dumps(row)
    assert "TOP-SECRET" not in text and "TOP-SECRET" not in graded["proc"].stdout + graded["proc"].stderr
    assert "symbolic link" in text
    assert row["exercises_passed"] == 0


@needs_bwrap
def test_oversized_file_is_refused(graded):
    row = graded["rows"]["huge"]
    assert row["exercises_passed"] == 0
    assert "KiB" in json.dumps(row)


@needs_bwrap
def test_checks_are_unchanged(graded):
    assert graded["digest_after"] == graded["digest_before"]


@needs_bwrap
def test_no_process_of_the_run_survives(graded):
    assert graded["survivors"] == []


@needs_bwrap
def test_the_grade_finishes(graded):
    assert not graded["timed_out"], (f"kata grade was still running after {GRADE_LIMIT_S} s; rows done: "
                                     f"{sorted(graded['rows'])}\n{graded['proc'].stderr[-3000:]}")
    assert graded["proc"].returncode in (0, 1), graded["proc"].stderr[-3000:]


@needs_bwrap
@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_rows_match_grading_them_alone(graded, name):
    """Every honest row, exercise by exercise, as when right, wrong and stub are graded on their own."""
    alone = graded["alone"][name]
    assert name in graded["rows"], f"no row for {name} (the grade stopped early?)"
    assert _verdicts(graded["rows"][name]) == _verdicts(alone), json.dumps(graded["rows"][name], indent=1)[:4000]


@needs_bwrap
def test_no_source_or_secret_crosses_between_rows(graded):
    """An honest file's marker shows in its own row at most; the course package's solutions nowhere."""
    assert set(graded["markers"]) <= set(graded["rows"]), sorted(graded["rows"])  # the honest rows were graded
    for name, marker in graded["markers"].items():
        for other, row in graded["rows"].items():
            if other != name:
                assert marker not in json.dumps(row), f"{name}'s source shows in {other}'s row"
        assert marker not in graded["proc"].stderr
    everything = graded["proc"].stdout + graded["proc"].stderr
    assert graded["course_secret"] not in everything


@needs_bwrap
def test_an_error_text_that_breaks_the_telling_fails_only_its_own_row(graded):
    """forge_pointer_digits raises errors that read as frames of its own file with lines no int() reads:
    its steps fail as its own, the checks are never called broken (the grade exits 0 or 1: see
    test_the_grade_finishes), and the honest rows stand (test_honest_rows_match_grading_them_alone)."""
    row = graded["rows"]["forge_pointer_digits"]
    for result in row["results"]:
        assert result["status"] == "failed", json.dumps(row, indent=1)[:3000]
        assert all(step.get("cause") != "pytest_broken" for step in result["steps"]), json.dumps(row, indent=1)[:3000]
    assert "cannot run" not in graded["proc"].stderr


@needs_bwrap
def test_no_escape_code_reaches_the_graders_terminal(graded):
    """forge_terminal_text sends a notice, prints and raises terminal escape codes that would redraw the
    table: its integrity notices arrive as printable text, and nothing the grade prints holds an ESC
    (the table's own rendering: tests/unit/test_dev_gradebook.py)."""
    row = graded["rows"]["forge_terminal_text"]
    assert row["integrity"], json.dumps(row, indent=1)[:3000]  # its notice arrived, made printable
    assert all(text.isprintable() for text in row["integrity"]), row["integrity"]
    assert any("\\x1b[2K" in text for text in row["integrity"]), row["integrity"]
    assert "\x1b" not in graded["proc"].stdout + graded["proc"].stderr


# Integrity (docs/grading.md, "Integrity"): the row flag each class of attack must raise, by a word of its
# reason. Attacks that only return wrong values or patch their own process (float_subclass, patch_*, ...)
# or exhaust their own limits (cpu_spinner, memory_two_helpers) are failed by the checks and not flagged.
FLAGGED = {
    "forge_judge_replies": "sent the judge",  # forged frames to the judge
    "forge_protocol_pipe": "sent the judge",
    "forge_events_then_exit": "sent the judge",
    "signal_ancestors": "signal",  # signals aimed at other processes
    "scribble_ancestors": "memory",  # writes aimed at other processes
    "clone_parent_survivor": "system calls",  # escaping: blocked by the sandbox
    "a_plant_ipc": "outlives the run",
    "a_plant_modules": "later run could import",
    "run_nested_solutions": "solutions/",  # reads of masked course files
    "run_reference_solution": "course",
}
NEVER_FLAGGED = sorted(HONEST) + ["cpu_spinner", "memory_two_helpers", "float_subclass", "fake_tensor_class"]


@needs_bwrap
@pytest.mark.parametrize("attack", sorted(FLAGGED))
def test_attacks_are_flagged_with_a_reason(graded, attack):
    row = graded["rows"][attack]
    assert row["integrity"], json.dumps(row, indent=1)[:3000]
    assert any(FLAGGED[attack] in why for why in row["integrity"]), row["integrity"]
    assert all(why.split(" ", 1)[0].isdigit() for why in row["integrity"])  # each names its exercise


@needs_bwrap
@pytest.mark.parametrize("name", NEVER_FLAGGED)
def test_honest_and_merely_wrong_rows_are_not_flagged(graded, name):
    assert graded["rows"][name]["integrity"] == [], graded["rows"][name]["integrity"]
