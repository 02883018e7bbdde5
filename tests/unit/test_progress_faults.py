"""Progress files that would break or hang kata, and a workspace where nothing can be saved."""

import json
import os
import stat
import threading

import pytest

from kata.progress import DONE, Progress, ProgressStore

from tests.unit.test_progress import result


def _load_within(store: ProgressStore, seconds: float = 10) -> Progress:
    """Load in a thread, so a hang fails the test instead of blocking the suite."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("progress", store.load()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "loading the progress file hung"
    return box["progress"]


def test_a_deeply_nested_file_is_set_aside_like_any_corrupt_one(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    store = ProgressStore(path)
    assert store.load().entries == {}
    assert not path.exists() and len(list(tmp_path.glob("progress.json.corrupt-*"))) == 1
    assert "nested too deeply" in store.warnings[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_the_file_is_set_aside_without_hanging(tmp_path):
    path = tmp_path / "progress.json"
    os.mkfifo(path)
    store = ProgressStore(path)
    assert _load_within(store).entries == {}
    assert "not a regular file" in store.warnings[0]
    assert not path.exists() and stat.S_ISFIFO(next(tmp_path.glob("progress.json.corrupt-*")).lstat().st_mode)


def test_negative_counts_are_clamped_to_zero(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"format": 1, "exercises": {"add": {
        "status": "started", "hints_shown": -10, "steps_passed": -1, "steps_total": 2}}}))
    store = ProgressStore(path)
    entry = store.load().get("add")
    assert (entry.hints_shown, entry.steps_passed, entry.steps_total) == (0, 0, 2)
    assert store.warnings == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_workspace_keeps_the_verdict_in_memory_and_says_it_was_not_saved(tmp_path):
    state = tmp_path / ".kata"
    state.mkdir()
    store = ProgressStore(state / "progress.json")
    state.chmod(0o500)
    try:
        with store.update() as progress:
            progress.record(result("add", ["passed"]), "h")
        assert progress.get("add").status == DONE
        assert store.unsaved and "could not be saved" in store.warnings[-1]
        assert not (state / "progress.json").exists()
    finally:
        state.chmod(0o700)
    with store.update() as progress:  # writable again: saved, and no longer marked unsaved
        progress.skip("double")
    assert store.unsaved is None and ProgressStore(state / "progress.json").load().get("double").status == "skipped"


def test_when_neither_lock_nor_save_works_the_update_still_completes(tmp_path, monkeypatch):
    """What a read-only file system does, even for root: opening the lock and the temp file fail."""
    import errno

    import kata.progress

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    store = ProgressStore(tmp_path / "progress.json")
    store.lock_path = tmp_path / "no-such-folder" / "progress.json.lock"
    monkeypatch.setattr(kata.progress.tempfile, "mkstemp", read_only)
    with store.update() as progress:
        progress.record(result("add", ["passed"]), "h")
    assert progress.get("add").status == DONE
    assert store.unsaved == "Read-only file system"
    assert "could not be saved" in store.warnings[-1] and "Read-only file system" in store.warnings[-1]
