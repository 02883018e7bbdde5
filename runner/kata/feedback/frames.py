"""The learner's frames of a traceback: only their file and the check module, each as `path:line`.

Frames from pytest, kata, torch and the standard library are dropped, so terminals show the
learner what they can click. Of the check module's own helpers only the step's line is kept.
A notebook's line reads as its cell and line (`kata.notebook`).
"""

from __future__ import annotations

import functools
import os
import traceback
from pathlib import Path

from kata.notebook.lines import describe_location


@functools.lru_cache(maxsize=1024)
def real_path(path) -> str:
    """A file's resolved path, cached: tracebacks through torch repeat the same files many times."""
    try:
        return os.path.realpath(os.fspath(path))
    except (OSError, ValueError, TypeError):
        return str(path)


def learner_frames(tb, keep: set[str]) -> list[traceback.FrameSummary]:
    """The frames of `tb` whose file is one of `keep` (resolved paths)."""
    frames = []
    for frame in traceback.extract_tb(tb):
        try:
            resolved = real_path(frame.filename)
        except (OSError, ValueError):
            continue
        if resolved in keep:
            frames.append(frame)
    return frames


def format_frames(tb, keep_files: list[Path], learner_file: Path | None = None) -> str:
    """The learner's frames of `tb`, each as a clickable `path:line in function` plus its code."""
    keep = {real_path(p) for p in keep_files if p}
    return format_frame_list(learner_frames(tb, keep), learner_file)


def format_frame_list(frames: list[traceback.FrameSummary], learner_file: Path | None) -> str:
    """Each frame as `path:line in function` and its code; a check frame followed by the learner's shows no code."""
    learner = real_path(learner_file) if learner_file is not None else None
    if learner is not None:
        frames = _first_of_each_check_run(frames, learner)
    shown: list[traceback.FrameSummary | None] = list(frames)
    if len(shown) > 8:  # deep recursion: the first frames and the last say enough
        shown = shown[:3] + [None] + shown[-3:]
    lines = []
    for i, frame in enumerate(shown):
        if frame is None:
            lines.append("    … the same frames repeat …")
            continue
        lines.append(f"{describe_location(frame.filename, frame.lineno)} in {frame.name}")
        calls_learner = (learner is not None and real_path(frame.filename) != learner
                         and any(f is not None and real_path(f.filename) == learner for f in shown[i + 1:]))
        if frame.line and not calls_learner:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)


def _first_of_each_check_run(frames: list[traceback.FrameSummary], learner: str) -> list[traceback.FrameSummary]:
    """Keep every learner frame, and only the first of each run of the check module's frames (the step's line)."""
    kept: list[traceback.FrameSummary] = []
    previous_was_check = False
    for frame in frames:
        is_learner = real_path(frame.filename) == learner
        if is_learner or not previous_was_check:
            kept.append(frame)
        previous_was_check = not is_learner
    return kept


def deepest_learner_frame(tb, learner: str):
    found, lineno = None, 0
    while tb is not None:
        if real_path(tb.tb_frame.f_code.co_filename) == learner:
            found, lineno = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    return found, lineno
