"""Which kata each Dask worker runs, asked once before grading starts.

A worker without kata failed every task with an internal error, and a worker with another kata
graded with other checks' machinery (a correct student could score 0 there and pass here). So the
grader asks every worker for its kata's identity (version and a digest of its code's content, not
of file times, which differ between machines) before anything is graded, and stops with one error
that names the workers and what to install, instead of a table of rows in error.

The question travels as `eval` of a short expression, so asking needs nothing of kata on the worker:
a worker that cannot import kata answers with its ImportError, which is the answer.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from kata.errors import KataError

_ASK = "__import__('kata.dev.cluster.identity', fromlist=['identity']).identity()"


def identity() -> str:
    """`VERSION CODE-DIGEST` of the kata this process imports: every `.py` file of the package, by
    its path inside the package and its bytes."""
    package = Path(__file__).resolve().parents[2]  # kata/, from kata/dev/cluster/identity.py
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(folder) / name
                digest.update(f"{path.relative_to(package).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    version = getattr(sys.modules.get("kata"), "__version__", "?")  # loaded before any of its submodules
    return f"{version} {digest.hexdigest()[:16]}"


def require_same_kata(client, install: str) -> None:
    """Raise one KataError, before any grading, when a worker lacks kata or runs another one."""
    mine = identity()
    answers = client.run(eval, _ASK, on_error="return")
    missing = sorted(w for w, a in answers.items() if isinstance(a, ImportError))
    failed = sorted(w for w, a in answers.items() if isinstance(a, BaseException) and w not in missing)
    other = {w: a for w, a in answers.items() if not isinstance(a, BaseException) and a != mine}
    problems = []
    if missing:
        problems.append(f"kata is not installed on {_count(missing)} ({_some(missing)})")
    if other:
        shown = ", ".join(f"{w} has {a}" for w, a in sorted(other.items())[:3])
        problems.append(f"{_count(list(other))} run(s) another kata than this grader's {mine} ({shown})")
    if failed:
        problems.append(f"{_count(failed)} could not say which kata it runs "
                        f"({failed[0]}: {type(answers[failed[0]]).__name__}: {answers[failed[0]]})")
    if problems:
        raise KataError("Cannot grade on this cluster: " + "; ".join(problems) + ". Nothing was graded.",
                        f"Install the same kata on every worker as here (`{install}`, the same version and "
                        "code), restart the workers, and grade again.")


def _count(workers: list[str]) -> str:
    return f"{len(workers)} Dask worker{'s' if len(workers) != 1 else ''}"


def _some(workers: list[str]) -> str:
    return ", ".join(workers[:3]) + (f" and {len(workers) - 3} more" if len(workers) > 3 else "")
