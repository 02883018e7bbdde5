"""`kata grade` against a class of cheaters: every attack in tests/hostile/grading/, in one run.

The class also holds honest submissions (right, wrong, stub). The run must give
no attack a single exercise, leave every honest verdict as it is alone, leave
the checks as they were, and leave no process behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import HOSTILE, TESTS, Kata

COURSE = TESTS / "grading_course"
ATTACKS = HOSTILE / "grading"
HONEST = {"right": 3, "wrong": 0, "stub": 0}
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


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    course = root / "course"
    shutil.copytree(COURSE, course)
    subs = root / "class"
    subs.mkdir()
    for path in ATTACKS.glob("*.py"):
        shutil.copy(path, subs / path.name)
    secret = root / "secret.txt"
    secret.write_text("root:$6$TOP-SECRET-HASH:19000:0:99999:7:::\n")
    linked = subs / "symlinked"
    linked.mkdir()
    (linked / "01_scale.py").symlink_to(secret)
    (linked / "02_mean.py").symlink_to(subs / "right.py")
    huge = subs / "huge.py"
    huge.write_text((ATTACKS / "right.py").read_text() + "\n" + "# padding\n" * 700_000)
    before = _digest(course)
    kata = Kata(root)
    started = time.monotonic()
    proc = kata("grade", str(subs), "--course", str(course), "--json", "--require-sandbox", "--timeout", "5",
                timeout=900)
    rows = {row["submission"]: row for row in map(json.loads, proc.stdout.splitlines())}
    time.sleep(0.5)
    return {"proc": proc, "rows": rows, "digest_before": before, "digest_after": _digest(course),
            "survivors": _attack_processes(), "elapsed": time.monotonic() - started}


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
