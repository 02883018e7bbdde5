"""What an exercise forbids: the manifest's `forbid` and `forbid_hint`, validated, and found from a check file.

Why here and not only in `kata.course`: the check child learns its exercise from the check module's
path, not from the request, so it reads the one manifest entry it needs (tomllib, ~1 ms, cached by
the file's mtime) instead of loading the whole course. `kata.course` validates the same keys with
the same functions, so a bad value is refused with the same words wherever it is read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kata.errors import KataError

MANIFEST = "kata.toml"
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
UNFORBIDDABLE = ("builtins", "kata")  # every builtin's module, and the runner itself (its fixtures call it)
FILE_RE = re.compile(r"^test_(\d{2})_([a-z][a-z0-9_]*)\.py$")


@dataclass(frozen=True)
class Rule:
    """The modules one exercise forbids, and how its verdict names the exercise."""

    modules: tuple[str, ...]
    exercise: str  # its id, "05"
    hint: str = ""  # the manifest's forbid_hint: what to use instead ("use NumPy")

    def to_wire(self) -> dict:
        return {"modules": list(self.modules), "exercise": self.exercise, "hint": self.hint}

    @classmethod
    def from_wire(cls, data: object) -> "Rule | None":
        """A rule sent to the learner's process; None for anything malformed (no rule is applied)."""
        if not isinstance(data, dict):
            return None
        modules, exercise, hint = data.get("modules"), data.get("exercise"), data.get("hint", "")
        if not isinstance(modules, list) or not all(isinstance(m, str) and MODULE_RE.match(m) for m in modules):
            return None
        if not modules or not isinstance(exercise, str) or not isinstance(hint, str):
            return None
        return cls(tuple(modules), exercise[:10], hint[:200])

    def forbids(self, module: str) -> bool:
        return any(module == m or module.startswith(m + ".") for m in self.modules)

    def message(self, used: str, line: int | None) -> str:
        where = f" (line {line})" if line else ""
        instead = self.hint or f"write it without {', '.join(self.modules)}"
        return f"exercise {self.exercise} is built from scratch: your code used {used}{where}; {instead}"


def parse_forbid(value: object, where: str) -> tuple[str, ...]:
    """The manifest's `forbid` (a list of module names), or a KataError that says how to write it."""
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise KataError(f"{where}: forbid must be a list of module names, not {value!r}.",
                        'Write e.g. `forbid = ["torch"]` (or `forbid = []` to allow everything).')
    for name in value:
        if not MODULE_RE.match(name):
            raise KataError(f"{where}: forbid names {name!r}, which is not a module name.",
                            'Write dotted module names, e.g. `forbid = ["torch", "scipy.special"]`.')
        if name.split(".")[0] in UNFORBIDDABLE:
            raise KataError(f"{where}: forbid names {name!r}, which kata cannot forbid (every learner's code, "
                            "and the checks' own helpers, need it).", f"Remove {name!r} from forbid.")
    if len(set(value)) != len(value):
        raise KataError(f"{where}: forbid names a module twice: {value!r}.", "Name each module once.")
    return tuple(value)


def parse_hint(value: object, where: str) -> str:
    if not isinstance(value, str) or len(value) > 200 or "\n" in value:
        raise KataError(f"{where}: forbid_hint must be one line of text (at most 200 characters), not {value!r}.",
                        'Write e.g. `forbid_hint = "use NumPy"`: it ends the verdict of a forbidden use.')
    return value.strip()


def exercise_forbid(course: dict, entry: dict, manifest: Path, where: str) -> tuple[tuple[str, ...], str]:
    """An exercise's forbidden modules and hint: its own `forbid` replaces the course's (`[]` allows all).
    `where` names the exercise's table, `manifest` the file (for the course's own keys)."""
    hint = (parse_hint(entry["forbid_hint"], where) if "forbid_hint" in entry
            else parse_hint(course.get("forbid_hint", ""), f"{manifest} (the course's table)"))
    if "forbid" in entry:
        return parse_forbid(entry["forbid"], where), hint
    return parse_forbid(course.get("forbid", []), f"{manifest} (the course's table)"), hint


_cache: dict[Path, tuple[tuple[int, int], dict]] = {}


def rule_for(check_file: Path) -> Rule | None:
    """The rule of the exercise whose checks are `check_file`, read from the manifest above it; None when
    it forbids nothing or the file is not a course's check module."""
    parsed = FILE_RE.match(check_file.name)
    if parsed is None:
        return None
    for folder in check_file.parents:
        manifest = folder / MANIFEST
        try:
            stat = manifest.stat()
        except OSError:
            continue
        data = _read(manifest, (stat.st_mtime_ns, stat.st_size))
        number, name = int(parsed.group(1)), parsed.group(2)
        entries = data.get("exercise")
        if not isinstance(entries, list) or not 0 < number <= len(entries):
            return None
        entry = entries[number - 1]
        if not isinstance(entry, dict) or entry.get("name") != name:
            return None
        modules, hint = exercise_forbid(data, entry, manifest, f"{manifest}, exercise #{number} ({name})")
        return Rule(modules, f"{number:02d}", hint) if modules else None
    return None


def _read(manifest: Path, key: tuple[int, int]) -> dict:
    cached = _cache.get(manifest)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        data = {}  # the CLI names a broken manifest; a check run just applies no rule
    _cache[manifest] = (key, data)
    return data
