"""The learner's workspace: copies of the stubs plus `.kata/` (progress, backups, settings).

Found from any folder inside it, as git finds its repo. Checks and solutions
are always read from the course and never copied here.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from kata.course import MANIFEST, Course, Exercise, load_course
from kata.errors import KataError
from kata.progress import ProgressStore

STATE_DIR = ".kata"
SETTINGS = "settings.json"
NOT_IN_WORKSPACE_FIX = "Start one with `kata init DIR` (then `cd DIR`), or run this inside a workspace."


def bundled_course_dir() -> Path:
    """The course that ships with kata: the repo root in a checkout, `kata/course` in a wheel."""
    here = Path(__file__).resolve().parent
    installed = here / "course"
    if (installed / "kata.toml").is_file():
        return installed
    checkout = here.parents[1]
    if (checkout / "kata.toml").is_file() and (checkout / "runner").is_dir():
        return checkout
    raise KataError("The bundled course is missing from this installation of kata.", "Reinstall kata with `pip install .`.")


@dataclass
class Workspace:
    root: Path
    course: Course

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def backups(self) -> Path:
        return self.state_dir / "backups"

    @functools.cached_property
    def progress(self) -> ProgressStore:
        """One store per workspace, so warnings from loading it are still there to show."""
        return ProgressStore(self.state_dir / "progress.json")

    def file_of(self, ex: Exercise) -> Path:
        """The learner's file for `ex`. When the course inserted an exercise before it (`kata new
        --after`), its number moved on but the learner's file keeps the old one: that file is still theirs."""
        path = self.root / "exercises" / ex.filename
        if not path.exists():
            renumbered = sorted((self.root / "exercises").glob(f"[0-9][0-9]_{ex.name}.py"))
            if len(renumbered) == 1:
                return renumbered[0]
        return path

    def backup(self, ex: Exercise) -> Path | None:
        """Copy the learner's file to `.kata/backups/` before anything replaces it."""
        src = self.file_of(ex)
        if not src.exists():
            return None
        self.backups.mkdir(parents=True, exist_ok=True)
        dest = self.backups / f"{ex.id}_{ex.name}.{time.strftime('%Y%m%d-%H%M%S')}.{time.time_ns() % 10**6}.py"
        shutil.copy2(src, dest)
        return dest

    def restore_stub(self, ex: Exercise) -> Path | None:
        backup = self.backup(ex)
        _copy_new(ex.stub, self.file_of(ex), overwrite=True)
        return backup


def find_workspace(start: Path | None = None) -> Workspace:
    """The workspace containing `start` (default: cwd), searching upwards."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        settings = folder / STATE_DIR / SETTINGS
        if settings.is_file():
            return Workspace(folder, load_course(_existing_course_dir(folder, settings)))
    raise KataError(f"{here} is not inside a kata workspace.", NOT_IN_WORKSPACE_FIX)


def _existing_course_dir(workspace: Path, settings: Path) -> Path:
    """The workspace's course folder; when it is gone (the course moved), say how to point the workspace
    at its new place."""
    course = _course_dir_from(settings)
    if (course / MANIFEST).is_file():
        return course
    raise KataError(
        f"This workspace's course is not in {course} any more (no {MANIFEST} there): it was moved or deleted.",
        f"If it moved, point the workspace at its new place: `kata init {workspace} --course NEW_PATH` "
        "(a folder or an installed course's name). Your files and progress stay as they are.")


def _course_dir_from(settings: Path) -> Path:
    try:
        data = json.loads(settings.read_text(encoding="utf-8"))
        course = data["course"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KataError(
            f"{settings} is unreadable ({exc}).",
            'Write {"course": "bundled"} into it, or the path of your course folder.',
        )
    if course == "bundled":
        return bundled_course_dir()
    return Path(course)


def init_workspace(target: Path, course_dir: Path | None = None,
                   course_given: bool | None = None) -> tuple[Workspace, list[Path], list[Path]]:
    """Create or complete a workspace. Returns (workspace, files created, files kept as they were).

    A learner's existing file is never overwritten. Re-running it in a workspace
    completes that workspace from its own course (an exercise inserted since
    arrives); naming a different course there is refused. Naming a course there
    re-points the workspace when its own course is gone (the course folder
    moved) or is the same course (the same `name` in kata.toml) elsewhere.
    """
    target = Path(target).resolve()
    course_given = course_dir is not None if course_given is None else course_given
    settings_file = target / STATE_DIR / SETTINGS
    repoint = False
    if settings_file.is_file():
        own = _course_dir_from(settings_file).resolve()
        wanted = (course_dir or bundled_course_dir()).resolve()
        if not course_given and not (own / MANIFEST).is_file():
            _existing_course_dir(target, settings_file)  # says how to point it at the new place
        if course_given and wanted != own:
            if (own / MANIFEST).is_file() and load_course(own).name != load_course(wanted).name:
                raise KataError(
                    f"{target} is already a workspace for the course in {own}.",
                    "Run `kata init` there without --course to complete it, or make a new workspace elsewhere.",
                )
            repoint = True  # its course moved (or this is the same course elsewhere): follow it
        course_dir = wanted if repoint else own
    course = load_course(course_dir or bundled_course_dir())
    if target.exists() and not target.is_dir():
        raise KataError(f"{target} exists and is not a folder.", "Choose another folder for the workspace.")
    existing = _enclosing_workspace(target.parent)
    if existing is not None:
        raise KataError(
            f"{target} would be inside the workspace {existing}.",
            "Create the new workspace somewhere outside it.",
        )
    state = target / STATE_DIR
    settings = state / SETTINGS
    state.mkdir(parents=True, exist_ok=True)
    (state / "backups").mkdir(exist_ok=True)
    if not settings.exists() or repoint:
        where = "bundled" if _is_bundled(course.root) else str(course.root)
        data = {}
        if repoint:  # keep whatever else the settings hold
            try:
                data = json.loads(settings.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            data = data if isinstance(data, dict) else {}
        data["course"] = where
        tmp = settings.with_name(f".{settings.name}.kata-tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, settings)
    (state / ".gitignore").write_text("*\n", encoding="utf-8")
    created, kept = [], []
    ws = Workspace(target, course)
    for ex in course.exercises:
        dest = ws.file_of(ex)
        (created if _copy_new(ex.stub, dest) else kept).append(dest)
    return ws, created, kept


def _is_bundled(root: Path) -> bool:
    try:
        return root == bundled_course_dir().resolve()
    except KataError:
        return False


def _enclosing_workspace(folder: Path) -> Path | None:
    for parent in (folder, *folder.parents):
        if (parent / STATE_DIR / SETTINGS).is_file():
            return parent
    return None


def _copy_new(src: Path, dest: Path, overwrite: bool = False) -> bool:
    """Copy `src` to `dest` atomically; without `overwrite`, never replace an existing file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    if overwrite:
        tmp = dest.with_name(f".{dest.name}.kata-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return True
    try:
        with open(dest, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        return False
    return True
