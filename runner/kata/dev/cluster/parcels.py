"""Submissions as data: each one's graded files read on the grader's side, sent with its task, and
written into a private folder on the worker. A refused file travels as its refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kata.course import Exercise
from kata.dev.submissions import Submission
from kata.judge.intake import Refused, check_entry, read_file


@dataclass(frozen=True)
class Parcel:
    """One submission's graded files, read on the grader's side, as they travel to a worker."""

    label: str
    name: str  # the submission's own file or folder name
    is_file: bool
    home: str  # the grader's folder that holds it: the worker's temp folder is shown as this
    files: dict[str, str] = field(default_factory=dict)  # path inside the submission -> text
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # exercise -> (file name, why)
    notes: dict[str, str] = field(default_factory=dict)  # exercise -> which of a notebook pair was checked


def pack_submission(sub: Submission, exercises: list[Exercise]) -> Parcel:
    """The files `sub` holds for `exercises`, each read through the intake's refusals."""
    root = sub.path.parent if sub.is_file else sub.path
    parcel = Parcel(sub.label, sub.path.name, sub.is_file, str(sub.path.parent))
    for ex in exercises:
        choice = sub.choice_for(ex)
        if choice is None:
            continue
        target = choice.path
        if choice.note:
            parcel.notes[ex.name] = choice.note  # only the chosen file travels: its twin's note with it
        rel = target.name if sub.is_file else target.relative_to(sub.path).as_posix()
        if rel in parcel.files:
            continue
        try:
            check_entry(target, root)
            parcel.files[rel] = read_file(target)  # as it is: a notebook stays one
        except Refused as exc:
            parcel.refused[ex.name] = (target.name, str(exc))
    return parcel


def unpack_submission(parcel: Parcel, folder: Path) -> Submission:
    path = folder / parcel.name
    if parcel.is_file:
        for text in parcel.files.values():
            path.write_text(text, encoding="utf-8")
    else:
        path.mkdir()
        for rel, text in parcel.files.items():
            target = path.joinpath(*_relative(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return Submission(parcel.label, path)


def _relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"a submission's file is named {rel!r}")
    return path
