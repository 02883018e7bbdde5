"""What runs inside a check child: resource limits, then pytest with the kata plugin.

The child is disposable: it may be killed, crash or exit at any point, and the
supervisor turns that into a verdict. It must never return into the worker's loop.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import sys
from pathlib import Path

from typing import TYPE_CHECKING, Iterable

from kata.contract import DEFAULT_MEMORY_MB, Event, EventKind, RunRequest

if TYPE_CHECKING:
    from _pytest.main import Session

INI = Path(__file__).with_name("pytest.ini")


# pytest's built-in plugins that checks never use. Each registered plugin costs every
# run its fixture scan at session start, so fewer plugins is a faster check (~8 ms of ~40).
# Kept: capture (capsys), tmpdir (tmp_path), monkeypatch, skipping, faulthandler, terminal.
UNUSED_PLUGINS = (
    "cacheprovider", "stepwise", "pastebin", "legacypath", "doctest", "junitxml", "unittest",
    "setuponly", "setupplan", "debugging", "logging", "warnings", "recwarn", "python_path",
    "threadexception", "unraisableexception",
)


def pytest_args(request: RunRequest, events_fd: int, judge_fd: int | None = None) -> list[str]:
    return [
        request.checks,
        *([f"--kata-judge-fd={judge_fd}"] if judge_fd is not None else []),
        f"--kata-file={request.target}",
        f"--kata-events-fd={events_fd}",
        "-p", "kata.plugin",
        "-p", "pytest_timeout",
        f"--timeout={request.step_timeout}",
        "--timeout-method=signal",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "--import-mode=importlib",
        "-c", str(INI),
        f"--rootdir={request.rootdir or Path(request.checks).parent}",
        "-q", "--no-header", "-rN", "--tb=no",
        "-W", "ignore::DeprecationWarning",
        f"--maxfail={request.maxfail}",
    ]


def limit_memory(extra_mb: int) -> None:
    """Cap the address space `extra_mb` above what is mapped now, so a memory bomb is a MemoryError.

    Per process; the run's total is the cgroup's (see `kata.engine.sandbox`), where there is one."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    try:
        with open("/proc/self/status") as handle:
            vm_kb = next(int(line.split()[1]) for line in handle if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    limit = (vm_kb * 1024) + extra_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


# Heavy libraries a warm worker may import before forking: importing is fork-safe,
# computing is not, and none of these computes at import.
PRELOADABLE = ("numpy", "torch", "einops", "jaxtyping", "torchvision", "tqdm", "sklearn", "hypothesis")
# Libraries that kata's own helpers pull in beside one of the above (kata.expect checks
# jaxtyping annotations with beartype, whose import alone costs ~0.2 s per child).
# numpy 2 loads numpy.random lazily, on the first seeding; einops loads its torch backend on
# first use. Loaded in the worker, they cost the children nothing (~10 ms a run otherwise).
COMPANIONS = {
    "jaxtyping": ("beartype", "kata.feedback.shapecheck"),
    "numpy": ("numpy.random",),
    "einops": ("einops._torch_specific",),
    "hypothesis": ("hypothesis.extra.numpy",),  # the second course's property-based checks: ~half of each run
}


def preload(names: Iterable[str]) -> None:
    """Import the heavy libraries a check will use, so each child starts with them loaded."""
    wanted = [n for name in names if name in PRELOADABLE for n in (name, *COMPANIONS.get(name, ()))]
    for name in wanted:
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except Exception:  # a missing or broken library shows up in the check itself
            pass


_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import[ \t]+([^\n#;]+)|from[ \t]+([\w.]+)[ \t]+import\b)", re.M)
MAX_SCAN_BYTES = 16 * 1024 * 1024


def mentioned_libraries(target: str) -> list[str]:
    """The preloadable libraries named by the target's import lines (at any indent).

    A regular expression over the file's bytes, not a parse: cheap and bounded, run here in the
    child, before the memory limit, so a library whose import maps gigabytes (torch) loads before
    the cap and not under it. A name it misses is imported by the learner's code as usual.
    """
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or a device: the plugin says so
            return []
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_SCAN_BYTES)
    except OSError:
        return []
    finally:
        os.close(fd)
    found: set[str] = set()
    for match in _IMPORT_LINE.finditer(data):
        modules = match[1].split(b",") if match[1] else [match[2]]
        for module in modules:
            words = module.split()
            if words:
                found.add(words[0].split(b".")[0].decode("ascii", "replace"))
    return sorted(found & set(PRELOADABLE))


def _emit(events_fd: int, event: Event) -> None:
    try:
        os.write(events_fd, ("\n" + json.dumps(event.to_wire()) + "\n").encode())
    except OSError:
        pass


def run(request: RunRequest, events_fd: int, prepared: "Session | None" = None,
        address_space_mb: int = DEFAULT_MEMORY_MB, judge_fd: int | None = None) -> int:
    """Run one check module against one target; step results stream to `events_fd`.

    The caller has already put this process into the run's sandbox and left it only
    fds 0 (/dev/null), 1 and 2 (the output pipe) and `events_fd`.

    `prepared` is a pytest session the warm worker started before forking (see
    `kata.engine.session`): this child is its only user, so it fills in this
    run's options and goes straight to collection. Without one (the spawn
    fallback), a plain `pytest.main`.
    """
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the worker ignores it; learner code may not
    sys.dont_write_bytecode = True
    os.environ["KATA_SEED"] = str(request.seed)  # the plugin seeds every step from it
    import pytest  # already imported in a warm worker

    preload(request.preload)
    mentioned = [name for name in mentioned_libraries(request.target) if name not in sys.modules]
    if mentioned:  # not preloaded by the worker yet: load them here, and have it preload them from now on
        _emit(events_fd, Event(EventKind.IMPORTS, names=mentioned))  # first: it also restarts the startup deadline
        preload(mentioned)
    if "torch" in sys.modules:
        # Checks use tiny tensors: on a 2-core machine a second thread only adds contention,
        # and timings stay steady when the machine is busy. Safe here, after the fork.
        sys.modules["torch"].set_num_threads(1)
    limit_memory(address_space_mb)
    sys.stdout = open(os.devnull, "w")  # pytest's own report: fd 1 stays the capped output pipe
    if prepared is None:
        args = pytest_args(request, events_fd, judge_fd)
        if "[" in request.checks:  # pytest reads "[" as a parametrization: name the module from its folder
            os.chdir(Path(request.checks).parent)
            args[0] = Path(request.checks).name
        return int(pytest.main(args))
    from kata.engine import session

    return session.finish(prepared, request, events_fd, judge_fd)


def prepare_session(rootdir: str) -> "Session":
    """A pytest session for checks under `rootdir`, started but with nothing collected, for forks.

    Output capture is `sys`, not `fd`: fd capture would share one temp file
    between every child forked from it.
    """
    from kata.engine import session

    # The placeholder path holds no conftest.py, and --confcutdir stops pytest looking above
    # checks/: so the worker imports no course conftest (it might compute with torch, which
    # must never happen before a fork). A checks/conftest.py still loads, in each child.
    placeholder = RunRequest(run_id="", id="", name="", checks=str(INI.parent), target=rootdir,
                             step_timeout=10, rootdir=rootdir)
    return session.prepare(pytest_args(placeholder, events_fd=-1)
                           + ["--capture=sys", f"--confcutdir={Path(rootdir) / 'checks'}"])


def main(argv: list[str]) -> None:
    """`python -m kata.engine.child REQUEST_JSON EVENTS_FD ADDRESS_SPACE_MB [JUDGE_FD]`: the spawn fallback.

    The worker started it with only fds 0, 1, 2 and EVENTS_FD open, in the run's sandbox.
    """
    request, events_fd = RunRequest.from_wire(json.loads(argv[0])), int(argv[1])
    address_space_mb = int(argv[2]) if len(argv) > 2 else request.memory_mb
    judge_fd = int(argv[3]) if len(argv) > 3 else None
    code = 70
    try:
        code = run(request, events_fd, None, address_space_mb, judge_fd)
    finally:
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
