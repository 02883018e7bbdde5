"""The course: reads and validates `kata.toml` and finds each exercise's files.

Paths follow from an exercise's name and place by convention
(`exercises/NN_name.py`, `checks/test_NN_name.py`, `solutions/NN_name.py`), so
the manifest only says what cannot be derived. Knows nothing of pytest.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from kata.errors import KataError
from kata.forbid.rules import exercise_forbid
from kata.points import Marking, parse_marking

MANIFEST = "kata.toml"
FORMAT_VERSION = 1
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_BUDGET_S = 2.0  # each exercise's checks take <= 2 s on a 2-core machine (docs/authoring.md)
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FILE_RE = re.compile(r"^(?:test_)?(\d{2})_([a-z][a-z0-9_]*)\.py$")


@dataclass(frozen=True)
class Exercise:
    """One entry of the manifest. `name` is its stable key; `number` only its place."""

    number: int
    name: str
    title: str
    hints: tuple[str, ...]
    timeout: float
    root: Path
    preload: tuple[str, ...] = ()  # libraries the warm worker imports before forking
    budget: float = DEFAULT_BUDGET_S  # seconds the solution's checks may take; `kata verify` enforces it
    stub_may_pass: tuple[str, ...] = ()  # steps allowed to pass on the stub (e.g. testing code the stub gives)
    solutions_dir: Path | None = None  # where the solutions are, when not in the course's solutions/ (`--solutions`)
    forbid: tuple[str, ...] = ()  # modules the learner's code may not use (kata.forbid); the course's unless its own
    forbid_hint: str = ""  # what the verdict of a forbidden use suggests instead ("use NumPy")
    marking: Marking = Marking()  # points, step weights, all or nothing (kata.points); default: a point a step
    checks_file: Path | None = None  # run this check module instead of checks/ (the hidden one: kata.dev.hidden)

    @property
    def id(self) -> str:
        return f"{self.number:02d}"

    @property
    def filename(self) -> str:
        return f"{self.id}_{self.name}.py"

    @property
    def stub(self) -> Path:
        return self.root / "exercises" / self.filename

    @property
    def checks(self) -> Path:
        return self.checks_file or self.root / "checks" / f"test_{self.filename}"

    @property
    def hidden(self) -> Path:
        """Checks that only `kata grade` (and `kata verify`) run: never in a workspace, a wheel or the sandbox."""
        return self.root / "hidden" / f"test_{self.filename}"

    @property
    def solution(self) -> Path:
        return (self.solutions_dir or self.root / "solutions") / self.filename

    def target(self, kind: str) -> Path:
        """The course's own file of `kind` ("exercises" or "solutions")."""
        return self.stub if kind == "exercises" else self.solution


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    title: str
    exercises: tuple[Exercise, ...] = field(default_factory=tuple)
    ships_solutions: bool = True  # False: a course published without solutions/ (learners still use it)

    def find(self, ident: str) -> Exercise:
        """Resolve `05`, `5` or a name to an exercise, or say which ids exist."""
        key = ident.strip()
        for ex in self.exercises:
            if key == ex.name or (key.isdigit() and int(key) == ex.number):
                return ex
        known = ", ".join(f"{e.id} {e.name}" for e in self.exercises[:6])
        more = " …" if len(self.exercises) > 6 else ""
        raise KataError(
            f"There is no exercise {ident!r} in this course.",
            f"Use a number or a name, e.g. {known}{more}. `kata list` shows them all "
            f"(or see {self.root / MANIFEST}).",
        )

    def index(self, ex: Exercise) -> int:
        return ex.number - 1

    def no_solutions(self, ex: Exercise) -> KataError:
        """What `kata solution` says in a course published without its solutions."""
        return KataError(f"The course {self.title!r} ships no solutions, so there is none to show for {ex.id} {ex.name}.",
                         f"`kata hint {ex.id}` gives a nudge; the course's author keeps the solutions elsewhere.")


def load_course(root: Path, solutions: Path | None = None) -> Course:
    """Read and validate the manifest at `root`; every error names the file and the fix.

    A course may be published without its solutions/ folder: learners need only the stubs and
    the checks. `solutions` names the folder of solutions to use instead (`kata verify --solutions`)."""
    root = Path(root).resolve()
    if solutions is not None:
        solutions = Path(solutions).resolve()
        if not solutions.is_dir():
            raise KataError(f"{solutions} is not a folder.", "Give --solutions the folder that holds NN_name.py solutions.")
    path = root / MANIFEST
    if not path.is_file():
        raise KataError(
            f"No {MANIFEST} in {root}.",
            "A course is a folder with kata.toml, exercises/, checks/ and solutions/.",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KataError(f"{path} is not valid TOML: {exc}", "Fix the syntax and run the command again.")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise KataError(
            f"{path}: format_version is {version!r}, but this kata reads format_version = {FORMAT_VERSION}.",
            f"Put `format_version = {FORMAT_VERSION}` at the top of the file.",
        )
    _known_keys(data, COURSE_KEYS, f"{path}", "the course's own keys")
    entries = data.get("exercise")
    if not isinstance(entries, list) or not entries:
        raise KataError(f"{path} lists no exercises.", "Add at least one [[exercise]] table with a name and a title.")
    exercises = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        exercise = _parse_entry(path, root, number, entry, seen)
        forbid, hint = exercise_forbid(data, entry, path, f"{path}, exercise #{number} ({exercise.name})")
        exercises.append(replace(exercise, forbid=forbid, forbid_hint=hint))
    if solutions is not None:
        exercises = [replace(ex, solutions_dir=solutions) for ex in exercises]
    course = Course(
        root=root,
        name=str(data.get("name", root.name)),
        title=str(data.get("title", data.get("name", root.name))),
        exercises=tuple(exercises),
        ships_solutions=solutions is not None or (root / "solutions").is_dir(),
    )
    _check_files(course)
    return course


COURSE_KEYS = ("format_version", "name", "title", "exercise", "forbid", "forbid_hint")
EXERCISE_KEYS = ("name", "title", "hints", "timeout", "preload", "budget", "stub_may_pass", "points", "weights",
                 "all_or_nothing", "hidden_titles", "forbid", "forbid_hint")


def _known_keys(table: dict, known: tuple[str, ...], where: str, what: str) -> None:
    """A key kata does not read is a typo until shown otherwise: `pionts = 10` ignored would mark out of 1."""
    import difflib

    for key in table:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            raise KataError(f"{where}: kata.toml has the key {key!r}, which kata does not read.",
                            (f"Did you mean `{close[0]}`? " if close else "")
                            + f"The keys it reads ({what}): {', '.join(known)} (docs/authoring.md).")


def _parse_entry(path: Path, root: Path, number: int, entry: object, seen: dict[str, int]) -> Exercise:
    where = f"{path}, exercise #{number}"
    if not isinstance(entry, dict):
        raise KataError(f"{where} is not a table.", "Write each exercise as an [[exercise]] table.")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise KataError(
            f"{where} has the name {name!r}.",
            "Give it `name = \"snake_case_name\"`: lower case letters, digits and _, starting with a letter.",
        )
    if name in seen:
        raise KataError(
            f"{path}: the name {name!r} is used by exercise #{seen[name]} and #{number}.",
            "Names key learners' progress and must be unique: rename one of them.",
        )
    seen[name] = number
    _known_keys(entry, EXERCISE_KEYS, f"{where} ({name})", "an exercise's keys")
    title = entry.get("title", name.replace("_", " "))
    hints = entry.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        raise KataError(f"{where} ({name}): hints must be a list of strings.", 'Write `hints = ["a nudge", "more direct"]`.')
    timeout = entry.get("timeout", DEFAULT_TIMEOUT_S)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise KataError(f"{where} ({name}): timeout must be a positive number of seconds.", "Write e.g. `timeout = 20`.")
    preload = entry.get("preload", [])
    if not isinstance(preload, list) or not all(isinstance(p, str) for p in preload):
        raise KataError(f"{where} ({name}): preload must be a list of module names.", 'Write e.g. `preload = ["torch"]`.')
    budget = entry.get("budget", DEFAULT_BUDGET_S)
    if not isinstance(budget, (int, float)) or isinstance(budget, bool) or budget <= 0:
        raise KataError(f"{where} ({name}): budget must be a positive number of seconds.", "Write e.g. `budget = 3`.")
    stub_may_pass = entry.get("stub_may_pass", [])
    if not isinstance(stub_may_pass, list) or not all(isinstance(p, str) for p in stub_may_pass):
        raise KataError(f"{where} ({name}): stub_may_pass must be a list of step names.",
                        'Write e.g. `stub_may_pass = ["test_given_helper_works"]`.')
    return Exercise(number, name, str(title), tuple(hints), float(timeout), root, tuple(preload), float(budget),
                    tuple(stub_may_pass), marking=parse_marking(entry, f"{where} ({name})"))


def _check_files(course: Course) -> None:
    for ex in course.exercises:
        for path in (ex.stub, ex.checks, ex.solution) if course.ships_solutions else (ex.stub, ex.checks):
            if not path.is_file():
                shown = path.relative_to(course.root) if path.is_relative_to(course.root) else path
                raise KataError(
                    f"{course.root / MANIFEST}: exercise {ex.id} {ex.name!r} needs {shown}, which is missing.",
                    "Create the file, or fix the exercise's name or place in kata.toml (files are named NN_name.py).",
                )
        if not _has_step(ex.checks):
            raise KataError(
                f"{ex.checks}: the check module has no step.",
                "Add at least one `def test_...(exercise):` function with a docstring title.",
            )


def stray_files(course: Course) -> list[Path]:
    """Python files under exercises/, checks/, solutions/ or hidden/, and folders under mistakes/, that no
    manifest entry owns."""
    owned = {p for ex in course.exercises
             for p in (ex.stub, ex.checks, ex.solution, ex.root / "solutions" / ex.filename, ex.hidden)}
    strays = []
    for folder in ("exercises", "checks", "solutions", "hidden"):
        base = course.root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.glob("*.py")):
            if path.name in ("__init__.py", "conftest.py"):
                continue
            if path not in owned:
                strays.append(path)
    catalogues = {ex.root / "mistakes" / f"{ex.id}_{ex.name}" for ex in course.exercises}
    if (course.root / "mistakes").is_dir():  # a renamed or renumbered exercise's mistakes would go unchecked
        strays += sorted(p for p in (course.root / "mistakes").iterdir()
                         if p.is_dir() and not p.name.startswith((".", "_")) and p not in catalogues)
    return strays


_STEP = re.compile(r"^(?:async\s+)?def\s+test", re.MULTILINE)


def _has_step(check_file: Path) -> bool:
    """Whether a check module defines a step at top level: a text scan, not a parse, because every
    command loads the course and parsing every check module cost 50-70 ms each time. A check module
    with a syntax error is named when it runs (and by `kata verify`)."""
    try:
        return _STEP.search(check_file.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def step_names(check_file: Path) -> list[tuple[str, str]]:
    """The steps a check module defines, in file order, with their titles, read without importing it."""
    try:
        tree = ast.parse(check_file.read_text(encoding="utf-8"), filename=str(check_file))
    except SyntaxError as exc:
        raise KataError(f"{check_file}:{exc.lineno}: the check module has a syntax error: {exc.msg}", "Fix the check module.")
    steps = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            doc = ast.get_docstring(node) or ""
            title = doc.strip().splitlines()[0] if doc.strip() else node.name.removeprefix("test_").replace("_", " ")
            steps.append((node.name, title))
    return steps


def describe_filename(name: str) -> tuple[int, str] | None:
    """`05_name.py` or `test_05_name.py` → (5, "name"); anything else → None."""
    match = FILE_RE.match(name)
    return (int(match.group(1)), match.group(2)) if match else None
