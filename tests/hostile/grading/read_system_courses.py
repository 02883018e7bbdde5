"""Looks for course data in the system folders the sandbox binds whole (`/usr/lib`, `/lib`, ...).

`kata.judge.bwrap.course_masks` walks only the Python folders it binds (the interpreter, its
import folders, kata's package); the system folders (`bwrap.SYSTEM`) are bound read-only but never
walked, so a course installed for the system's Python (`/usr/lib/python3/dist-packages`, a Debian
package) while the grader runs a venv or another Python keeps its `solutions/` in view.
This walks those folders for a `kata.toml`, executes every solution file it finds and answers
with the first function that gives the right answer; what it read shows in its failures.
"""
import os
import sys
import time

SYSTEM = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libexec", "/lib", "/lib64", "/lib32", "/usr/bin", "/bin",
          "/usr/share/zoneinfo", "/etc")
_found = sys.modules.setdefault("kata_attack_system_courses", type(sys)("kata_attack_system_courses"))


def _courses(seconds=6.0):
    deadline = time.monotonic() + seconds
    for base in SYSTEM:
        for folder, dirs, files in os.walk(base):
            if time.monotonic() > deadline:
                return
            if "kata.toml" in files:
                yield folder
                dirs[:] = []
            dirs[:] = [d for d in dirs if d != "__pycache__"]


def _solutions():
    if hasattr(_found, "functions"):
        return _found.functions, _found.seen
    functions, seen = {}, []
    for course in _courses():
        for part in ("solutions", "mistakes", "checks"):
            folder = os.path.join(course, part)
            try:
                names = sorted(os.listdir(folder))
            except OSError as exc:
                seen.append(f"{folder}: {exc.strerror}")
                continue
            for name in names:
                path = os.path.join(folder, name)
                try:
                    with open(path) as handle:
                        text = handle.read(20000)
                except OSError:
                    continue
                seen.append(f"{path}: {text[:200]!r}")
                namespace = {}
                try:
                    exec(compile(text, path, "exec"), namespace)
                except BaseException:
                    continue
                for key, value in namespace.items():
                    if callable(value) and not key.startswith("_"):
                        functions.setdefault(key, value)
    _found.functions, _found.seen = functions, seen
    return functions, seen


def _call(name, *args):
    functions, seen = _solutions()
    if name in functions:
        return functions[name](*args)
    raise NotImplementedError(f"no {name} in the system folders; read: {seen[:6]}")


def scale(x, k):
    return _call("scale", x, k)


def mean(values):
    return _call("mean", values)


def nudge(x, lr):
    return _call("nudge", x, lr)
