"""`kata new`: scaffolds an exercise (stub, checks, solution, its mistakes/ folder, manifest entry)
at any place in a course, starting the course first in a folder that has no kata.toml yet.

Inserting in the middle renumbers the later exercises' files, and their folders
in the mistake catalogue (`git mv` where the course is a git checkout, so
history follows). Progress is keyed by name, so
no learner loses anything. Every scaffolded file carries the `kata:scaffold`
marker and the hints are placeholders: `kata verify` fails until the
instructor has written the real exercise. Returns what it did; never prints.
"""

from __future__ import annotations

import json
import keyword
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kata.course import MANIFEST, NAME_RE, Course, Exercise, load_course
from kata.errors import KataError

MARK = "kata:scaffold"
MARK_LINE = f"# {MARK}: delete this line once the exercise is written (`kata verify` fails until then)"
MAX_EXERCISES = 99  # files are numbered with two digits
NUMBERED_FOLDERS = ("mistakes",)  # course folders whose entries are named NN_name too (the mistake catalogue)
_HEADER = re.compile(r"^\s*\[\[\s*exercise\s*\]\]\s*(#.*)?$")

STUB = '''# %%
{mark}
# {title}
#
# Your task: implement `{name}`.
# TODO(instructor): say what the learner builds, with an example.


def {name}(x):
    # TODO: Fill this in!
    raise NotImplementedError("{name}: TODO(instructor) name the task here")


if __name__ == "__main__":
    print({name}(1))
'''

CHECKS = '''"""Checks for {id} {name}: {title}."""
{mark}


def test_example(exercise):
    """{name} gives the right answer on an example"""
    # An example step. Replace it with steps that each catch one wrong answer;
    # the first line of each docstring is what the learner sees.
    assert exercise.{name}(1) == 1
'''

SOLUTION = '''{mark}


def {name}(x):
    return x
'''

ENTRY = '''[[exercise]]
name = {name}
title = {title}
hints = [
    "TODO: a first, gentle nudge.",
    "TODO: a more direct hint.",
    "TODO: the last hint all but gives the answer.",
]
'''


COURSE_MANIFEST = """# A kata course: its exercises in order. Each [[exercise]] owns exercises/NN_name.py,
# checks/test_NN_name.py, solutions/NN_name.py and mistakes/NN_name/, where NN is its place here.
# Progress is keyed by `name`: never rename an exercise learners may have started.
format_version = 1
name = {name}
title = {title}
"""
COURSE_FOLDERS = ("exercises", "checks", "solutions", "mistakes")


@dataclass
class Scaffolded:
    exercise: Exercise
    created: list[Path] = field(default_factory=list)
    renamed: list[tuple[Path, Path]] = field(default_factory=list)
    started: bool = False  # the folder was no course yet: kata.toml and the folders were created


def start_course(root: Path) -> list[Path]:
    """Make `root` a course with no exercise yet: a minimal kata.toml and the four folders.
    Returns what it created. Refuses a folder that already has a kata.toml."""
    root = Path(root).resolve()
    if (root / MANIFEST).exists():
        raise KataError(f"{root} already has a {MANIFEST}.", "Run `kata new NAME` there to add an exercise.")
    if root.exists() and not root.is_dir():
        raise KataError(f"{root} is not a folder.", "Give --course a folder (it may be empty or not exist yet).")
    root.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", root.name.lower()).strip("-") or "course"
    created = []
    for folder in COURSE_FOLDERS:
        if not (root / folder).is_dir():
            (root / folder).mkdir()
            created.append(root / folder)
    text = COURSE_MANIFEST.format(name=json.dumps(slug), title=json.dumps(root.name, ensure_ascii=False))
    with open(root / MANIFEST, "x", encoding="utf-8") as handle:
        handle.write(text)
    return [root / MANIFEST] + created


def _course_for_new(root: Path) -> Course:
    """The course `kata new` adds to; one whose kata.toml lists no exercise yet is fine here."""
    path = Path(root).resolve() / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return load_course(root)  # says what is wrong
    if data.get("exercise"):
        return load_course(root)
    return Course(path.parent, str(data.get("name", path.parent.name)), str(data.get("title", path.parent.name)), ())


def leftovers(ex: Exercise) -> list[Path]:
    """The exercise's files that still carry the scaffold marker."""
    left = []
    for path in (ex.stub, ex.checks, ex.solution):
        try:
            if MARK in path.read_text(encoding="utf-8"):
                left.append(path)
        except (OSError, UnicodeDecodeError):
            continue
    return left


def insertion_index(course: Course, after: str | None) -> int:
    """Where the new exercise goes: after `after` (an id or name; "0" for the start), else at the end."""
    if after is None:
        return len(course.exercises)
    if after.strip().isdigit() and int(after) == 0:
        return 0
    return course.find(after).number


def new_exercise(root: Path, name: str, title: str | None = None, after: str | None = None) -> Scaffolded:
    """Scaffold exercise `name`. In a folder with no kata.toml (empty, or not there yet), start a
    course first: its first exercise needs somewhere to go."""
    started = not (Path(root) / MANIFEST).exists()
    if started:
        if not NAME_RE.match(name) or keyword.iskeyword(name):  # say so before creating anything
            _check_name(Course(Path(root), "", "", ()), name)
        created_course = start_course(root)
    course = _course_for_new(root)
    _check_name(course, name)
    if len(course.exercises) >= MAX_EXERCISES:
        raise KataError(f"The course already has {MAX_EXERCISES} exercises, the most two-digit numbers allow.",
                        "Split the course in two.")
    index = insertion_index(course, after)
    title = title or name.replace("_", " ").capitalize()
    paths = Exercise(index + 1, name, title, (), 1.0, course.root)  # its files, before they exist
    moves = _planned_moves(course, index, (paths.stub, paths.checks, paths.solution))
    manifest = _manifest_with_entry(course, index, name, title)
    renamed: list[tuple[Path, Path]] = []
    for old, new in reversed(moves):  # last first, so no file lands on one not yet moved
        _move(course.root, old, new)
        renamed.append((old, new))
    _write_atomically(course.root / MANIFEST, manifest)
    values = {"name": name, "title": title, "id": paths.id, "mark": MARK_LINE}
    created = list(created_course) if started else []
    for path, template in ((paths.stub, STUB), (paths.checks, CHECKS), (paths.solution, SOLUTION)):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(template.format(**values))
        created.append(path)
    mistakes = course.root / NUMBERED_FOLDERS[0] / f"{paths.id}_{name}"  # where its known wrong answers go
    if not mistakes.is_dir():
        mistakes.mkdir(parents=True)
        created.append(mistakes)
    return Scaffolded(load_course(course.root).find(name), created, renamed, started)


def _check_name(course: Course, name: str) -> None:
    if not NAME_RE.match(name):
        raise KataError(f"{name!r} cannot name an exercise.",
                        "Use snake_case: lower case letters, digits and _, starting with a letter, "
                        "e.g. `kata new softmax`.")
    if keyword.iskeyword(name):
        raise KataError(f"{name!r} is a Python keyword, so the scaffold cannot name a function after it.",
                        f"Choose another name, e.g. `kata new {name}_fn`.")
    if any(ex.name == name for ex in course.exercises):
        raise KataError(f"The course already has an exercise named {name!r}.",
                        "Names key learners' progress and must be unique: choose another.")


def _planned_moves(course: Course, index: int, new_files: tuple[Path, ...]) -> list[tuple[Path, Path]]:
    """Every later exercise's files (stub, checks, solution, hidden checks, mistakes), each to the number one
    higher; refuses to overwrite anything."""
    moves = []
    for ex in course.exercises[index:]:
        shifted = Exercise(ex.number + 1, ex.name, ex.title, ex.hints, ex.timeout, ex.root)
        moves += list(zip((ex.stub, ex.checks, ex.solution), (shifted.stub, shifted.checks, shifted.solution)))
        if ex.hidden.exists():  # hidden/test_NN_name.py: left behind, a grade would drop its checks silently
            moves.append((ex.hidden, shifted.hidden))
        for folder in NUMBERED_FOLDERS:
            old = course.root / folder / f"{ex.id}_{ex.name}"
            if old.exists():
                moves.append((old, course.root / folder / f"{shifted.id}_{ex.name}"))
    sources = {old for old, _ in moves}
    for new in [new for _, new in moves] + list(new_files):
        if new.exists() and new not in sources:
            raise KataError(f"{new.relative_to(course.root)} is in the way of renumbering.",
                            "It belongs to no exercise: rename or delete it, then run `kata new` again.")
    return moves


def _manifest_with_entry(course: Course, index: int, name: str, title: str) -> str:
    """kata.toml's text with the new entry inserted as table number `index`; comments stay where they were."""
    path = course.root / MANIFEST
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    headers = [n for n, line in enumerate(lines) if _HEADER.match(line)]
    entry = ENTRY.format(name=json.dumps(name), title=json.dumps(title, ensure_ascii=False))
    if index < len(headers):
        at = headers[index]
        while at > 0 and lines[at - 1].lstrip().startswith("#"):  # a comment just above belongs to that entry
            at -= 1
        lines[at:at] = [entry, "\n"]
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += ["\n", entry]
    new_text = "".join(lines)
    expected = [ex.name for ex in course.exercises]
    expected.insert(index, name)
    try:
        parsed = [e.get("name") for e in tomllib.loads(new_text).get("exercise", [])]
    except tomllib.TOMLDecodeError:
        parsed = []
    if parsed != expected:
        raise KataError(f"kata new could not place the entry in {path}: its layout is unusual.",
                        f"Add an [[exercise]] table with name = \"{name}\" there by hand, nothing was changed.")
    return new_text


def _move(root: Path, old: Path, new: Path) -> None:
    """Rename a file; `git mv` when git tracks it, so the rename is staged and history follows."""
    try:
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", "--", str(old)], cwd=root,
                                 capture_output=True).returncode == 0
        if tracked and subprocess.run(["git", "mv", "--", str(old), str(new)], cwd=root,
                                      capture_output=True).returncode == 0:
            return
    except OSError:  # no git here
        pass
    os.replace(old, new)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.kata-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
