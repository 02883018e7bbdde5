"""Where courses come from: the bundled one, any folder with a kata.toml, and installed packages.

A package offers a course through the `kata.courses` entry point group. The
entry point names either a package whose folder holds `kata.toml` (the usual
case: `tiny = "kata_tiny_course"`), or something that gives the folder: a
`Path` or `str`, or a function returning one. Loading an entry point imports
only that package, which holds no code beyond its `__init__`. Never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from kata.course import MANIFEST, Course, load_course
from kata.errors import KataError
from kata.workspace import bundled_course_dir

GROUP = "kata.courses"
BUNDLED = "bundled"
# The other courses that ship with kata, by name: `courses/NAME` in a checkout, `kata/bundled_courses/NAME` in a wheel.
MORE_BUNDLED = ("pytorch-from-scratch",)


def more_bundled_dir(name: str) -> Path:
    """The folder of the bundled course `name` (one of MORE_BUNDLED)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "bundled_courses" / name, here.parents[1] / "courses" / name):
        if (folder / MANIFEST).is_file():
            return folder
    raise KataError(f"The bundled course {name!r} is missing from this installation of kata.",
                    "Reinstall kata with `pip install .`.")


@dataclass
class Offered:
    """One course an installed package offers; `problem` says why it cannot be used, if it cannot."""

    name: str
    source: str  # "bundled", or the distribution that offers it
    root: Path | None = None
    course: Course | None = None
    problem: str = ""


def _entry_points() -> list[metadata.EntryPoint]:
    seen: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=GROUP):
        seen.setdefault(ep.name, ep)  # the first on sys.path wins, as for imports
    return sorted(seen.values(), key=lambda ep: ep.name)


def _folder_of(ep: metadata.EntryPoint) -> Path:
    value = ep.load()
    if callable(value) and not isinstance(value, type):
        value = value()
    if isinstance(value, (str, Path)):
        return Path(value)
    file = getattr(value, "__file__", None)
    if file:
        return Path(file).resolve().parent
    raise TypeError(f"{ep.value} is neither a package nor a path")


def installed() -> list[Offered]:
    """The bundled course, then every course installed packages offer, by name."""
    found = [_describe(BUNDLED, BUNDLED, bundled_course_dir)]
    found += [_describe(name, BUNDLED, lambda name=name: more_bundled_dir(name)) for name in MORE_BUNDLED]
    for ep in _entry_points():
        dist = getattr(ep, "dist", None)
        source = dist.name if dist else ep.value
        found.append(_describe(ep.name, source, lambda ep=ep: _folder_of(ep)))
    return found


def _describe(name: str, source: str, folder) -> Offered:
    offered = Offered(name, source)
    try:
        offered.root = Path(folder())
        offered.course = load_course(offered.root)
    except KataError as exc:
        offered.problem = exc.message
    except Exception as exc:  # a broken package must not break `kata courses`
        offered.problem = f"its entry point does not load: {type(exc).__name__}: {exc}"
    return offered


def resolve(spec: str | Path) -> Path:
    """A course folder from `--course`: a folder with kata.toml, `bundled`, or an installed course's name:
    the entry point's name (what `kata courses` lists first) or the `name` in its kata.toml."""
    text = str(spec)
    path = Path(text).expanduser()
    if (path / MANIFEST).is_file():
        return path.resolve()
    if text == BUNDLED:
        return bundled_course_dir()
    if text in MORE_BUNDLED:
        return more_bundled_dir(text)
    for ep in _entry_points():
        if ep.name == text:
            try:
                folder = _folder_of(ep)
            except Exception as exc:
                raise KataError(f"The installed course {text!r} does not load ({type(exc).__name__}: {exc}).",
                                f"Reinstall the package that offers it ({ep.value}).")
            if not (folder / MANIFEST).is_file():
                raise KataError(f"The installed course {text!r} has no {MANIFEST} in {folder}.",
                                "Its package must ship kata.toml, exercises/, checks/ and solutions/.")
            return folder
    for offered in installed():  # the name in a course's own kata.toml names it too
        if offered.course is not None and offered.root is not None and offered.course.name == text:
            return offered.root.resolve()
    names = ", ".join(ep.name for ep in _entry_points()) or "none installed"
    if path.exists():
        raise KataError(f"{path} is not a course: it has no {MANIFEST}.",
                        "Give --course the folder that holds kata.toml, exercises/, checks/ and solutions/.")
    raise KataError(f"There is no course folder or installed course named {text!r}.",
                    f"Give a folder with kata.toml, or an installed course ({names}); `kata courses` lists them.")
