"""Progress files that would break or hang kata, and a workspace where nothing can be saved."""

import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
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


@contextlib.contextmanager
def _read_only(folder, monkeypatch):
    """`folder` read-only for this process: its mode for a user; for root (how CI runs), whom modes do
    not stop, the immutable attribute where `chattr` works, else every write into it refused as the
    kernel refuses a user's (EACCES), at os.open and os.replace."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)
        return
    inside = str(folder) + os.sep
    real_open, real_replace = os.open, os.replace

    def refused(path):
        return PermissionError(errno.EACCES, "Permission denied", str(path))

    def opening(path, flags, *args, **kwargs):
        if str(path).startswith(inside) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise refused(path)
        return real_open(path, flags, *args, **kwargs)

    def replacing(src, dst, *args, **kwargs):
        if str(dst).startswith(inside) or str(src).startswith(inside):
            raise refused(dst)
        return real_replace(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", opening)
        patch.setattr(os, "replace", replacing)
        yield


def test_a_read_only_workspace_keeps_the_verdict_in_memory_and_says_it_was_not_saved(tmp_path, monkeypatch):
    state = tmp_path / ".kata"
    state.mkdir()
    store = ProgressStore(state / "progress.json")
    with _read_only(state, monkeypatch):
        with store.update() as progress:
            progress.record(result("add", ["passed"]), "h")
        assert progress.get("add").status == DONE
        assert store.unsaved and "could not be saved" in store.warnings[-1]
        assert not (state / "progress.json").exists()
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
