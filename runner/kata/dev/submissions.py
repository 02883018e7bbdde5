"""What a submission is, and finding them among the paths given to `kata grade`.

A submission is a workspace, a folder of `NN_name.py` (or `.ipynb`) files, or one single-file
module holding every exercise. A folder that is none of these but holds submissions is opened
one level down, so `kata grade submissions/` works. Each gets a label: its name, or its path
where two names are the same.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kata.course import Course, Exercise
from kata.errors import KataError
from kata.notebook.pair import Choice, choose

STATE_DIR = ".kata"


@dataclass(frozen=True)
class Submission:
    label: str
    path: Path

    @property
    def is_file(self) -> bool:
        return self.path.is_file()

    def file_for(self, ex: Exercise) -> Path | None:
        """The submission's file for `ex`: itself if it is one file, else its NN_name.py (any number)
        or NN_name.ipynb; of a notebook and its `.py`, the one `kata.notebook.pair` chooses."""
        choice = self.choice_for(ex)
        return choice.path if choice is not None else None

    def choice_for(self, ex: Exercise) -> Choice | None:
        """`file_for`, with the note a verdict gives when a notebook and its `.py` differ."""
        if self.is_file:
            return Choice(self.path)
        seen = self._pairs_seen().get(ex.name)
        for folder in (self.path / "exercises", self.path):
            found = choose(self._find(folder, ex, ".ipynb"), self._find(folder, ex, ".py"), ex.stub,
                           dict(seen) if isinstance(seen, dict) else None)
            if found is not None:
                return found
        return None

    def _pairs_seen(self) -> dict:
        """A workspace's record of its notebook pairs (`.kata/pairs.json`), read only: grading a
        copied workspace chooses as `kata check` in it would. At most 1 MiB, plain file, or nothing."""
        from kata.notebook.reads import read_capped

        data = read_capped(self.path / STATE_DIR / "pairs.json", 1 << 20)
        try:
            found = json.loads(data) if data is not None else {}
        except (ValueError, RecursionError):
            return {}
        return found if isinstance(found, dict) else {}

    @staticmethod
    def _find(folder: Path, ex: Exercise, suffix: str) -> Path | None:
        exact = folder / Path(ex.filename).with_suffix(suffix)
        if exact.is_file():
            return exact
        moved = sorted(folder.glob(f"[0-9][0-9]_{ex.name}{suffix}")) + [folder / f"{ex.name}{suffix}"]
        return next((p for p in moved if p.is_file()), None)


def _is_submission(folder: Path, course: Course) -> bool:
    """A workspace, or a folder of the course's exercise files. A folder holding exercise files beside
    other modules is refused: it may be a class of one-file submissions where one student named theirs
    after an exercise (`value_ops.py`), which must not turn the whole class into one submission."""
    if (folder / STATE_DIR).is_dir() or (folder / "exercises").is_dir():
        return True
    names = {ex.name for ex in course.exercises}
    pattern = re.compile(r"^(?:\d\d_)?([a-z][a-z0-9_]*)\.(?:py|ipynb)$")  # a folder of notebooks only is one too
    modules = [p for p in folder.glob("*") if p.suffix in (".py", ".ipynb") and not p.name.startswith((".", "_"))]
    ours = [p for p in modules if (m := pattern.match(p.name)) and m.group(1) in names]
    others = [p for p in modules if p not in ours] + [  # and folders of modules: other students' submissions
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
        and any(q.suffix in (".py", ".ipynb") for q in p.iterdir())]
    if ours and others:
        raise KataError(
            f"{folder} holds exercise files ({', '.join(sorted(p.name for p in ours)[:3])}) beside other modules "
            f"({', '.join(sorted(p.name for p in others)[:3])}), so kata cannot tell one submission from a class "
            "of one-file submissions.",
            f"For a class of files, name them: `kata grade {folder}/*.py`; for one submission, move the other "
            "modules out of its folder (or put each student's files in a folder of their own).")
    return bool(ours)


def find_submissions(paths: list[Path], course: Course) -> list[Submission]:
    """Submissions from the command line: files and submission folders as they are, others opened."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise KataError(f"{path} does not exist.", "Give kata grade submission folders or .py files.")
        if path.is_file() or _is_submission(path, course):
            found.append(path)
            continue
        inside = sorted(p for p in path.iterdir()
                        if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix in (".py", ".ipynb")))
        if not inside:
            raise KataError(f"{path} holds no submission: no .py or .ipynb file, no folder.",
                            "Give kata grade workspaces, folders of NN_name.py (or .ipynb) files, or single files.")
        found.extend(inside)
    return _labelled(found)


def _labelled(paths: list[Path]) -> list[Submission]:
    stems = [p.stem if p.is_file() else Path(os.path.abspath(p)).name for p in paths]  # `.` is its folder
    labels = []
    for path, stem in zip(paths, stems):
        labels.append(stem if stems.count(stem) == 1 else str(path))
    seen: set[Path] = set()
    unique = []
    for path, label in zip(paths, labels):
        if Path(os.path.abspath(path)) not in seen:
            seen.add(Path(os.path.abspath(path)))
            unique.append(Submission(label, Path(os.path.abspath(path))))  # never through a symlink
    return unique
