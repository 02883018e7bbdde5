"""Submissions as data: each one's graded files read on the grader's side, sent with its task, and
written into a private folder on the worker. A refused file travels as its refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kata.course import Exercise
from kata.dev.submissions import Submission
from kata.earlier import own_earlier
from kata.judge.intake import Refused, check_entry, read_bytes


@dataclass(frozen=True)
class Parcel:
    """One submission's graded files, read on the grader's side, as they travel to a worker."""

    label: str
    name: str  # the submission's own file or folder name
    is_file: bool
    home: str  # the grader's folder that holds it: the worker's temp folder is shown as this
    files: dict[str, bytes] = field(default_factory=dict)  # path inside the submission -> its bytes, as they are
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # exercise -> (file name, why)
    notes: dict[str, str] = field(default_factory=dict)  # exercise -> which of a notebook pair was checked


def pack_submission(sub: Submission, exercises: list[Exercise]) -> Parcel:
    """The files `sub` holds for `exercises`, each read through the intake's refusals, and a folder's
    earlier exercises beside each (`earlier(...)` reads them, as on the grader's machine)."""
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
            parcel.files[rel] = read_bytes(target)  # as it is: a notebook stays one, a latin-1 source too
        except Refused as exc:
            parcel.refused[ex.name] = (target.name, str(exc))
            continue
        if not sub.is_file:
            _pack_earlier(parcel, sub.path, target, ex.stub.parent)
    return parcel


def _pack_earlier(parcel: Parcel, root: Path, target: Path, stubs: Path | None) -> None:
    """The files `kata.earlier.own_earlier` chooses for `target` on the grader's machine (of a notebook and
    its `.py`, the one `kata check` would take): a worker then finds those, and only those."""
    for path in own_earlier(target, stubs).values():
        rel = path.relative_to(root).as_posix()
        if rel in parcel.files:
            continue
        try:
            check_entry(path, root)
            parcel.files[rel] = read_bytes(path)
        except Refused:
            continue  # refused here, left out there: `earlier` then says it was not found, as it would


def unpack_submission(parcel: Parcel, folder: Path) -> Submission:
    path = folder / parcel.name
    if parcel.is_file:
        for data in parcel.files.values():
            path.write_bytes(data)
    else:
        path.mkdir()
        for rel, data in parcel.files.items():
            target = path.joinpath(*_relative(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return Submission(parcel.label, path)


def _relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"a submission's file is named {rel!r}")
    return path
