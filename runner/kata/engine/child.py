"""What runs inside a check child: its fds and sandbox, resource limits, then pytest with the kata plugin.

The child is disposable: it may be killed, crash or exit at any point, and the
supervisor turns that into a verdict. It must never return into the worker's loop.
A child is forked either for a run (`run`) or ahead of one (`standby`): the standby
joins the sandbox, drops the worker's fds and collects the check module it expects,
then waits for its request; what it does from there on is what `run` does.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
from pathlib import Path
from typing import Any, TYPE_CHECKING, Callable

from kata import settings
from kata.contract import DEFAULT_MEMORY_MB, Event, EventKind, RunRequest, framing
from kata.notebook.lines import is_notebook
from kata.preload import MAX_SCAN_BYTES, PRELOADABLE, named_libraries, preload
from kata.procs import die_with_parent, keep_only, limit_address_space, name_process
from kata.engine.go import MAX_GO, Go
from kata.engine.rlimits import SANDBOX_FAILED
from kata.engine.trace import mark

if TYPE_CHECKING:
    from _pytest.main import Session

    from kata.engine.rlimits import Sandbox

__all__ = ["PRELOADABLE", "preload", "run", "standby", "after_fork", "mentioned_libraries"]


def after_fork(sandbox: "Sandbox", worker: int, output_w: int, keep: tuple[int, ...], restrict: bool = True) -> None:
    """First thing in a fresh fork: join the sandbox (or exit with SANDBOX_FAILED), take a process
    group of its own, die with the worker, send fds 1 and 2 to the output pipe, read /dev/null,
    and keep no other fd than `keep`: nothing of the worker's (its protocol pipes above all) is
    left for learner code to reach. `restrict=False` leaves the rlimits for when the run is known."""
    try:
        sandbox.join()
        if restrict:
            sandbox.restrict()
    except OSError:
        os._exit(SANDBOX_FAILED)
    os.setpgid(0, 0)
    # The child has its own process group, so a Ctrl-C that ends `kata` and its worker would
    # otherwise leave a learner's endless loop running on its own: it dies with the worker.
    die_with_parent(worker)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # input() gets EOF instead of hanging; the request pipe is gone
    keep_only(*keep)


def mentioned_libraries(target: str) -> list[str]:
    """The preloadable libraries named by the target's import lines (`kata.preload.named_libraries`).

    Read here in the child, before the memory limit, so a library whose import maps gigabytes
    (torch) loads before the cap and not under it. A notebook is read as the module its code cells
    make (`kata.learner_source`), as the judge's sandbox reads it: its JSON has no import lines.
    """
    if is_notebook(target):
        from kata.learner_source import NotebookError, Unreadable, read_source

        try:
            return named_libraries(read_source(target).encode("utf-8", "surrogateescape"))
        except (Unreadable, NotebookError, MemoryError, RecursionError):
            return []  # the plugin says why the notebook cannot be read
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
    return named_libraries(data)


def _emit(events_fd: int, event: Event) -> None:
    try:
        os.write(events_fd, framing.line(event.to_wire()))
    except OSError:
        pass


def _become_child() -> None:
    """What every check child sets before pytest: no plugin autoload, Ctrl-C for learner code, no .pyc."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the worker ignores it; learner code may not
    sys.dont_write_bytecode = True
    sys.stdout = open(os.devnull, "w")  # pytest's own report: fd 1 stays the capped output pipe
    _one_thread()


def _one_thread() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        # Checks use tiny tensors: on a 2-core machine a second thread only adds contention,
        # and timings stay steady when the machine is busy. Safe here, after the fork.
        torch.set_num_threads(1)
        _no_absent_device_seeding(torch)


def _no_absent_device_seeding(torch: Any) -> None:
    """`torch.manual_seed` also seeds CUDA, XPU and MTIA; for a backend not initialized it queues the
    call with `traceback.format_stack()`, 0.5-6 ms deep in pytest, and the plugin and many learners
    seed every step. Where the device is absent, seeding it does nothing, as torch documents: do
    nothing at once. Asked here, after the fork, so the worker never touches a GPU driver."""
    for name in ("cuda", "xpu", "mtia"):
        backend = getattr(torch, name, None)
        try:
            absent = backend is not None and not backend.is_available()
        except Exception:  # a backend that cannot even say: leave it as torch made it
            continue
        if absent:
            for seeding in ("manual_seed", "manual_seed_all"):
                if hasattr(backend, seeding):
                    setattr(backend, seeding, _ignore_seed)


def _ignore_seed(seed: int) -> None:
    int(seed)  # the same TypeError/ValueError for a seed that is not a number


def _take_run(request: RunRequest, events_fd: int, address_space_mb: int) -> None:
    """The last steps before learner code: libraries its target names, the seed, the memory cap."""
    os.environ["KATA_SEED"] = str(request.seed)  # the plugin seeds every step from it
    preload(request.preload)
    mentioned = [name for name in mentioned_libraries(request.target) if name not in sys.modules]
    if mentioned:  # not preloaded by the worker yet: load them here, and have it preload them from now on
        _emit(events_fd, Event(EventKind.IMPORTS, names=mentioned))  # first: it also restarts the startup deadline
        preload(mentioned)
    _one_thread()
    limit_address_space(address_space_mb)  # the run's total is the cgroup's, where there is one


def _profiled(request: RunRequest, finish: Callable[[], int]) -> int:
    """`finish()`, under cProfile when KATA_PROFILE_DIR names a folder (one .prof file per run)."""
    folder = settings.current().profile_dir
    if not folder:
        return finish()
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(finish)
    finally:
        profile.dump_stats(os.path.join(folder, f"child-{request.id}-{os.getpid()}.prof"))


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
    _become_child()
    import pytest  # already imported in a warm worker

    _take_run(request, events_fd, address_space_mb)
    mark("child limited")
    if prepared is None:
        from kata.engine.session import pytest_args

        args = pytest_args(request, events_fd, judge_fd)
        if "[" in request.checks:  # pytest reads "[" as a parametrization: name the module from its folder
            os.chdir(Path(request.checks).parent)
            args[0] = Path(request.checks).name
        return int(pytest.main(args))
    from kata.engine.session import ChildRun

    child = ChildRun(prepared, request.checks, events_fd)
    return _profiled(request, lambda: child.finish(request, judge_fd))


def standby(prepared: "Session", sandbox: "Sandbox", checks: str, events_fd: int, go_fd: int) -> int:
    """A child forked ahead of its run: collect `checks`, then wait for the run on `go_fd`.

    The worker writes one JSON object, {request, limits, address_space_mb}, and closes the pipe;
    end of file with nothing written means the run went elsewhere: exit without running anything.
    Until then this process has run only trusted code (kata, pytest, the course's checks).
    """
    name_process("kata-standby")
    _become_child()
    from kata.engine.session import ChildRun

    child = ChildRun(prepared, checks, events_fd)
    child.collect()
    from kata.feedback.culprit import prepare
    from kata.plugin.target import warm

    prepare(Path(checks))  # the course's solution, parsed for the pointer of a failing step
    warm(Path(checks))  # the manifest (what the exercise forbids), the earlier exercises' reference code
    mark("standby collected")
    message = framing.read_to_eof(go_fd, MAX_GO)
    os.close(go_fd)
    if not message:
        return 0
    name_process("kata-check")
    mark("standby got its run")
    go = framing.read_line(message, Go)
    request = RunRequest.from_wire(go.request)
    sandbox.limits = go.limits
    sandbox.restrict()
    _take_run(request, events_fd, go.address_space_mb)
    mark("child limited")
    return _profiled(request, lambda: child.finish(request))


def main(argv: list[str]) -> None:
    """`python -m kata.engine.child REQUEST_JSON EVENTS_FD ADDRESS_SPACE_MB [JUDGE_FD]`: the spawn fallback.

    The worker started it with only fds 0, 1, 2 and EVENTS_FD open, in the run's sandbox.
    """
    request, events_fd = RunRequest.from_wire(framing.parse(argv[0])), int(argv[1])
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
