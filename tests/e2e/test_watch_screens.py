"""What watch shows, driven through a terminal: the list under its progress header, an unlock
announced once, and a goodbye that says whether progress was saved."""

from __future__ import annotations

import os
import pty
import time

from tests.e2e.test_learner_commands import _read_only
from tests.e2e.test_watch import WatchProcess


def _drive(ws, keys: list[bytes], verdicts_before: list[int]) -> str:
    """Start watch with a terminal as stdin, press each key once that many verdicts arrived, quit."""
    leader, follower = pty.openpty()
    proc = WatchProcess(ws, stdin=follower)
    try:
        for key, count in zip(keys, verdicts_before):
            proc.wait_for(count)
            os.write(leader, key)
            time.sleep(0.5)
        os.write(leader, b"q")
        out, _ = proc.proc.communicate(timeout=30)
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.proc.returncode == 0, out
    return out


def test_the_list_is_a_screen_of_its_own_under_the_progress_header(fixture_ws):
    out = _drive(fixture_ws, [b"l"], [1])
    listing = out.rsplit("exercises done", 1)[1]  # the last screen drawn: the list's own header
    assert "01  done" in listing and "02  ready" in listing and "04  locked" in listing
    assert "n next · h hint" in listing
    assert out.rstrip().endswith("Bye! Your progress is saved.")


def test_re_checking_a_done_exercise_does_not_announce_the_unlock_again(fixture_ws):
    out = _drive(fixture_ws, [b"r"], [1])  # the stub of 01 passes at start; r re-checks it
    first, again = out.split("Unlocked 02", 1)
    assert "01 add" in again and "passed" in again
    assert "Unlocked" not in again and "✓ Done!" in again


def test_a_read_only_workspace_never_claims_progress_was_saved(fixture_ws):
    with _read_only(fixture_ws / ".kata"):
        out = _drive(fixture_ws, [b"r"], [1])
    assert "your progress could not be saved" in out
    assert "Your progress is saved" not in out and "Bye! Your progress could not be saved" in out
