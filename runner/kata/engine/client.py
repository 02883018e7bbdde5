"""The CLI's side of the engine: starts the warm worker and asks it for check runs.

Standard library only, so `kata` starts fast and never imports torch itself.
If the worker ever dies, the run in flight gets a `crashed` verdict and the
next run starts a fresh worker.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kata.course import Exercise
from kata.results import CRASHED, CheckResult, StepResult, from_wire


@dataclass(frozen=True)
class CheckRequest:
    """One run: the checks of `exercise` against the file `target`."""

    exercise: Exercise
    target: Path
    target_label: str = ""
    seed: int = 0  # the random seed every step starts from; `kata verify` varies it to find flaky steps
    first_failure_only: bool = False  # stop at the first failing step (pytest's --maxfail=1)

    def to_wire(self) -> dict:
        ex = self.exercise
        steps, check_imports = _check_facts(ex.checks, ex.checks.stat().st_mtime_ns)
        return {
            "op": "check",
            "id": ex.id,
            "name": ex.name,
            "checks": str(ex.checks),
            "target": str(self.target),
            "target_label": self.target_label or str(self.target),
            "rootdir": str(ex.root),
            "step_timeout": ex.timeout,
            "run_timeout": ex.timeout * steps + 30,
            "preload": sorted(ex.preload or (check_imports | imported_libraries(self.target))),
            "seed": self.seed,
            "maxfail": 1 if self.first_failure_only else 0,
        }


@functools.lru_cache(maxsize=256)
def _check_facts(checks: Path, mtime_ns: int) -> tuple[int, frozenset[str]]:
    """How many steps a check module has and what it imports; cached while the file is unchanged."""
    from kata.course import step_names

    return max(len(step_names(checks)), 1), frozenset(imported_libraries(checks))


def imported_libraries(*files: Path) -> set[str]:
    """Top-level packages that `files` import at module level, read without running them."""
    import ast

    names: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(Path(path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


class Engine:
    """A handle on the warm worker. Use as a context manager, or call `close()`."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._proc: subprocess.Popen | None = None
        self._env = dict(env or {})  # extra environment for the worker, e.g. one torch thread per engine

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        """Start the worker and wait until it is warm."""
        if self._proc is not None and self._proc.poll() is None:
            return
        env = dict(os.environ, **self._env)
        runner_dir = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = runner_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        debug = os.environ.get("KATA_DEBUG")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "kata.engine.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            env=env, text=True, bufsize=1,
        )
        event = self._read()
        if event is None or event.get("ev") != "ready":
            self.close()
            raise RuntimeError("the kata worker did not start")

    def _read(self) -> dict | None:
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            line = self._proc.stdout.readline()
            if not line:
                return None
            try:
                return json.loads(line)
            except ValueError:
                continue

    def check(self, request: CheckRequest, on_event: Callable[[dict], None] | None = None) -> CheckResult:
        """Run one check; `on_event` sees each step's event as soon as it ends."""
        wire = request.to_wire()
        try:
            self.start()
            assert self._proc is not None and self._proc.stdin is not None
            self._proc.stdin.write(json.dumps(wire) + "\n")
            self._proc.stdin.flush()
            while True:
                event = self._read()
                if event is None:
                    break
                if event.get("ev") == "result":
                    return from_wire(event["result"])
                if on_event is not None:
                    on_event(event)
        except (OSError, RuntimeError, ValueError):
            pass
        self.close()
        return CheckResult(
            id=wire["id"], name=wire["name"], target=wire["target_label"], status=CRASHED,
            steps=[StepResult(index=1, name="worker", title="the kata worker", outcome=CRASHED)],
            message="The kata worker stopped unexpectedly; it will restart on the next check. "
                    "Set KATA_DEBUG=1 to see its errors.",
        )

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
