"""What learners hit with `skip`, `check` and `list`, and with workspaces kata cannot write to
or progress files it cannot read: each through the real `kata` command."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE

DOUBLE = "def double(x):\n    return 2 * x\n"


def _statuses(kata, ws: Path) -> list[str]:
    return [row["status"] for row in json.loads(kata("list", "--json", cwd=ws).stdout)]


def test_skip_without_an_id_skips_the_current_exercise_and_names_the_real_next_one(kata, fixture_ws):
    first = kata("skip", cwd=fixture_ws)
    assert first.returncode == 0, first.stderr
    assert "Skipped 01 add. Next: 02 Double a number" in first.stdout
    second = kata("skip", cwd=fixture_ws)
    assert "Skipped 02 double. Next: 03 Return forty-two" in second.stdout
    assert _statuses(kata, fixture_ws) == ["skipped", "skipped", "ready", "locked"]
    assert "0 done, 2 skipped of 4 exercises" in kata("list", cwd=fixture_ws).stdout


def test_skipping_a_locked_exercise_is_refused_and_changes_nothing(kata, fixture_ws):
    proc = kata("skip", "03", cwd=fixture_ws)
    assert proc.returncode == 2
    assert "03 spin is locked (01 add is not finished)" in proc.stderr and "kata skip 01" in proc.stderr
    assert "Next" not in proc.stdout
    assert _statuses(kata, fixture_ws) == ["ready", "locked", "locked", "locked"]


def test_after_a_skip_next_never_names_an_exercise_already_skipped(kata, fixture_ws):
    kata("skip", "01", cwd=fixture_ws)
    kata("skip", "02", cwd=fixture_ws)
    (fixture_ws / "exercises" / "02_double.py").write_text(DOUBLE)
    kata("check", "01", cwd=fixture_ws)  # the stub of 01 passes: done, and 02 stays skipped
    proc = kata("skip", "03", cwd=fixture_ws)
    assert "Skipped 03 spin. Next: 04 Return one" in proc.stdout
    assert "already skipped" in kata("skip", "02", cwd=fixture_ws).stdout
    assert "1 done, 2 skipped of 4 exercises" in kata("list", cwd=fixture_ws).stdout


def test_checking_an_exercise_already_done_does_not_announce_the_unlock_again(kata, fixture_ws):
    first = kata("check", "01", cwd=fixture_ws)
    assert "Unlocked: 02" in first.stdout
    again = kata("check", "01", cwd=fixture_ws)
    assert again.returncode == 0 and "passed" in again.stdout
    assert "Unlocked" not in again.stdout


def test_the_time_shown_is_what_the_learner_waited_with_the_checks_own_time_beside_it(kata, fixture_ws):
    header = kata("check", "01", cwd=fixture_ws).stdout.splitlines()[0]
    match = re.search(r"passed \(2/2 steps pass\) in (\d+\.\d) s \(the checks themselves (\d+\.\d\d) s\)", header)
    assert match, header
    assert float(match.group(1)) >= float(match.group(2))


@contextlib.contextmanager
def _read_only(folder: Path):
    """`folder` made read-only for kata: by its mode, or, for root (whom modes do not stop), by
    the immutable attribute. Skips the test where neither works."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder read-only for root here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_workspace_still_gives_the_verdict_warns_and_exits_by_it(kata, fixture_ws):
    with _read_only(fixture_ws / ".kata"):
        passed = kata("check", "01", cwd=fixture_ws)
        failed = kata("check", "01", "--file", str(fixture_ws / "exercises" / "02_double.py"), cwd=fixture_ws)
        kata("skip", cwd=fixture_ws)
        bad = fixture_ws / "exercises" / "01_add.py"
        bad.write_text("def add(a, b):\n    return a - b\n")
        failing = kata("check", "01", cwd=fixture_ws)
    assert passed.returncode == 0, passed.stderr
    assert "passed (2/2 steps pass)" in passed.stdout and "Traceback" not in passed.stderr
    assert "your progress could not be saved" in passed.stderr
    assert failed.returncode == 1
    assert failing.returncode == 1 and "failed" in failing.stdout and "could not be saved" in failing.stderr
    assert _statuses(kata, fixture_ws)[0] == "ready"  # nothing was recorded


def test_a_fifo_in_place_of_the_progress_file_hangs_no_command(kata, fixture_ws):
    progress = fixture_ws / ".kata" / "progress.json"
    os.mkfifo(progress)
    proc = kata("list", cwd=fixture_ws, timeout=60)
    assert proc.returncode == 0
    assert "not a regular file" in proc.stderr and "moved to" in proc.stderr
    assert kata("check", "01", cwd=fixture_ws, timeout=60).returncode == 0
    assert progress.is_file()


def test_a_progress_file_nested_200k_levels_deep_is_set_aside(kata, fixture_ws):
    (fixture_ws / ".kata" / "progress.json").write_text('{"format": 1, "exercises": ' + "[" * 200_000 + "]" * 200_000 + "}")
    proc = kata("list", cwd=fixture_ws)
    assert proc.returncode == 0 and "nested too deeply" in proc.stderr
    assert "internal error" not in proc.stderr


def test_init_says_the_next_step_for_a_path_with_spaces_and_the_exercise_the_learner_is_at(kata, tmp_path):
    """The `Next:` line pastes into a shell as it is, and a workspace set up again names where the learner is."""
    ws = tmp_path / "my kata é"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--no-editor-config")
    assert f"Next: cd '{ws}' && " in proc.stdout and "(then edit exercises/01_add.py)" in proc.stdout, proc.stdout
    (ws / "exercises" / "01_add.py").write_text((FIXTURE_COURSE / "solutions" / "01_add.py").read_text())
    assert kata("check", "01", cwd=ws).returncode == 0
    again = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--no-editor-config")
    assert "(then edit exercises/02_double.py)" in again.stdout, again.stdout
