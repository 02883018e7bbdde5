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

from kata import notebook
from kata.course import MANIFEST, Course, Exercise, load_course
from kata.errors import KataError
from kata.notebook.pair import Choice, choose
from kata.messages import NOT_IN_WORKSPACE_FIX
from kata.progress import ProgressStore
from kata.stubs import copy_new, write_allowed

STATE_DIR = ".kata"
SETTINGS = "settings.json"
PAIRS = "pairs.json"  # what each notebook pair held when kata last chose between them
NOTEBOOK_MODES = ("paired", "alone")


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
        """The learner's file for `ex`: its notebook (`NN_name.ipynb`) when there is one, else its
        `.py`. When the course inserted an exercise before it (`kata new --after`), its number moved
        on but the learner's file keeps the old one: that file is still theirs."""
        notebook = self._existing(ex, ".ipynb")
        return notebook if notebook is not None else self._existing(ex, ".py") or self.py_of(ex)

    def py_of(self, ex: Exercise) -> Path:
        """The exercise's `.py` (the notebook's jupytext pair, in a notebook workspace)."""
        return self._existing(ex, ".py") or self.root / "exercises" / ex.filename

    def _existing(self, ex: Exercise, suffix: str) -> Path | None:
        path = (self.root / "exercises" / ex.filename).with_suffix(suffix)
        if path.exists():
            return path
        renumbered = sorted((self.root / "exercises").glob(f"[0-9][0-9]_{ex.name}{suffix}"))
        return renumbered[0] if len(renumbered) == 1 else None

    def files_of(self, ex: Exercise) -> list[Path]:
        """Every file whose save is a save of `ex`: the notebook and its `.py`, existing or not."""
        found = [self.py_of(ex), self.py_of(ex).with_suffix(".ipynb")]
        return found + [p for p in (self.file_of(ex),) if p not in found]

    def source_of(self, ex: Exercise) -> Path:
        """The file a check of `ex` reads (`choice_of`)."""
        return self.choice_of(ex).path

    def choice_of(self, ex: Exercise) -> Choice:
        """Of a notebook and its `.py` twin, the one that holds the learner's code, by content and
        jupytext's pairing, never by timestamps (`kata.notebook.pair`); with a note when they differ."""
        main = self.file_of(ex)
        if main.suffix != ".ipynb":
            return Choice(main)
        record = self.state_dir / PAIRS
        seen_all = _settings(record)
        before = seen_all.get(ex.name)
        seen = dict(before) if isinstance(before, dict) else {}
        choice = choose(main, self.py_of(ex), ex.stub, seen) or Choice(main)
        if seen != before and self.state_dir.is_dir():  # what was seen, for the next choice (a hint only)
            seen_all[ex.name] = seen
            tmp = record.with_name(f".{PAIRS}.{os.getpid()}.kata-tmp")
            try:
                tmp.write_text(json.dumps(seen_all), encoding="utf-8")
                os.replace(tmp, record)
            except OSError:
                pass
        return choice

    def digest_of(self, ex: Exercise) -> str:
        """What identifies the content a check of `ex` would see now (see `kata.notebook.digest`)."""
        return notebook.digest(self.source_of(ex))

    @property
    def notebooks(self) -> str | None:
        """"paired" or "alone" in a workspace made with `kata init --notebooks`, else None."""
        mode = _settings(self.state_dir / SETTINGS).get("notebooks")
        return mode if mode in NOTEBOOK_MODES else None

    def backup(self, ex: Exercise) -> Path | None:
        """Copy the learner's file (and a notebook's `.py` pair) to `.kata/backups/` before anything
        replaces it; returns the backup of the learner's file."""
        src = self.file_of(ex)
        if not src.exists():
            return None
        self.backups.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}.{time.time_ns() % 10**6}"
        dest = self.backups / f"{ex.id}_{ex.name}.{stamp}{src.suffix}"
        shutil.copy2(src, dest)
        pair = self.py_of(ex)
        if src.suffix == ".ipynb" and pair.exists():
            shutil.copy2(pair, self.backups / f"{ex.id}_{ex.name}.{stamp}.py")
        return dest

    def restore_stub(self, ex: Exercise) -> Path | None:
        backup = self.backup(ex)
        target = self.file_of(ex)
        if target.suffix == ".ipynb":
            pair = self.py_of(ex)
            notebook.write_notebook(ex.stub.read_text(encoding="utf-8"), target, pair if pair.exists() else None)
        else:
            copy_new(ex.stub, target, overwrite=True)
        return backup


def _settings(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


def init_workspace(target: Path, course_dir: Path | None = None, course_given: bool | None = None,
                   notebooks: str | None = None) -> tuple[Workspace, list[Path], list[Path]]:
    """Create or complete a workspace. Returns (workspace, files created, files kept as they were).

    Only the stubs of unlocked exercises are written (the first one, in a new workspace): a later
    stub may hold an earlier answer, so each appears when it unlocks (`kata.stubs`). A learner's
    existing file is never overwritten. Re-running it in a workspace
    completes that workspace from its own course (an exercise inserted since
    arrives); naming a different course there is refused. Naming a course there
    re-points the workspace when its own course is gone (the course folder
    moved) or is the same course (the same `name` in kata.toml) elsewhere.

    `notebooks` ("paired" or "alone") writes each exercise as a notebook, beside its `.py`
    (paired through jupytext) or alone; the workspace remembers it, so completing it later
    writes notebooks too.
    """
    target = Path(target).resolve()
    if notebooks is not None:
        if notebooks not in NOTEBOOK_MODES:
            raise KataError(f"--notebooks takes {' or '.join(NOTEBOOK_MODES)}, not {notebooks!r}.",
                            "Run `kata init DIR --notebooks` (paired with a .py) or `--notebooks alone`.")
        notebook.require_jupytext()
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
    stored = _settings(settings) if settings.exists() else {}
    if not settings.exists() or repoint or (notebooks is not None and stored.get("notebooks") != notebooks):
        where = "bundled" if _is_bundled(course.root) else str(course.root)
        data = dict(stored) if settings.exists() else {}  # keep whatever else the settings hold
        data["course"] = where if repoint or "course" not in data else data["course"]
        if notebooks is not None:
            data["notebooks"] = notebooks
        tmp = settings.with_name(f".{settings.name}.kata-tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, settings)
    (state / ".gitignore").write_text("*\n", encoding="utf-8")
    ws = Workspace(target, course)
    # Only what the progress unlocks: a later stub may hold an earlier exercise's answer (kata.stubs).
    created, kept, _ = write_allowed(ws, ws.progress.load())
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
