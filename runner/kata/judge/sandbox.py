"""Starting and driving the sandbox, from the trusted side (the warm worker).

With bubblewrap installed, the zygote (`kata.judge.zygote`) runs in a fresh
set of namespaces: no network, no other processes in view, no privileges, an
empty private /tmp, and a file system that holds only the Python install and
kata's own code, read-only, with every course's solutions/ and mistakes/
masked. No submission, check or course folder is in view at all: the
learner's source reaches the sandbox as data over the judge's socket.

Without bubblewrap the zygote is a separate, rlimited process: the verdict is
still judged outside the learner's code, but the learner's code can read what
the grader's user can. `isolation` says which one a run got.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kata.judge import wire

if TYPE_CHECKING:  # imported where it is used, in the worker, once the zygote's limits are made
    from kata.engine.sandbox import Sandbox as EngineSandbox

BWRAP_ISOLATION = "bubblewrap sandbox (no network, read-only system, no course files, no privileges)"
PROCESS_ISOLATION = "separate process with rlimits (bubblewrap is not installed: it can read your files)"


class SandboxError(Exception):
    """The sandbox could not be started or stopped answering."""


def bwrap_path() -> str | None:
    if os.environ.get("KATA_NO_BWRAP") == "1":
        return None
    return shutil.which("bwrap")


def _runner_dir() -> Path:
    """The folder that holds the `kata` package (site-packages, or runner/ in a checkout)."""
    import kata

    return Path(kata.__file__).resolve().parents[1]


def _code_dirs() -> list[Path]:
    """The folders the sandbox needs read-only: the Python install and kata's own package."""
    dirs = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), _runner_dir()}
    for entry in sys.path:
        if entry and "site-packages" in entry and Path(entry).is_dir():
            dirs.add(Path(entry).resolve())
    executable = Path(sys.executable).resolve()
    if not any(executable.is_relative_to(d) for d in dirs):
        dirs.add(executable.parent)
    return sorted(dirs)


def _hidden_dirs(code_dirs: list[Path]) -> list[Path]:
    """Every course's solutions/ and mistakes/ (and kata's bundled course) inside the bound folders."""
    hidden: list[Path] = []
    for base in code_dirs:
        try:
            entries = list(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            for candidate in (entry, *(_children(entry))):
                if (candidate / "kata.toml").is_file():
                    hidden.extend(candidate / name for name in ("solutions", "mistakes") if (candidate / name).is_dir())
        if (base / "kata" / "course").is_dir():
            hidden.append(base / "kata" / "course")
    return hidden


def _children(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    except OSError:
        return []


def bwrap_command(bwrap: str, fd: int) -> list[str]:
    code = _code_dirs()
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--uid", "65534", "--gid", "65534",
           "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
           "--setenv", "PYTHONPATH", str(_runner_dir()),
           "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        cmd += ["--setenv", name, "1"]
    for system in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/alternatives"):
        cmd += ["--ro-bind-try", system, system]
    for folder in code:
        cmd += ["--ro-bind", str(folder), str(folder)]
    for folder in _hidden_dirs(code):
        cmd += ["--tmpfs", str(folder)]
    cmd += ["--chdir", "/tmp", sys.executable, "-m", "kata.judge.zygote", str(fd)]
    return cmd


ZYGOTE_MB = 1024  # the zygote's own memory (torch imported), on top of what a run may use
ZYGOTE_TASKS = 16


class Sandbox:
    """One warm zygote in its sandbox, serving one judged run at a time.

    The zygote and every process a run starts share one cgroup (where one can be made),
    so a run's memory and process count are limited in total, not per process: two
    forked helpers cannot take twice the memory. The zygote itself is never the OOM
    killer's choice; the learner's processes are.
    """

    def __init__(self, require_bwrap: bool = False, memory_mb: int = 3072, max_processes: int = 64) -> None:
        self.require_bwrap = require_bwrap
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.limits: EngineSandbox | None = None  # kata.engine.sandbox's cgroup (or rlimits) for the zygote's tree
        self.proc: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.isolation = ""
        self.preloaded: set[str] = set()
        self.cleaning = False  # an `end` was sent; its answer is read before the next request

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        self.close()
        bwrap = bwrap_path()
        if bwrap is None and self.require_bwrap:
            raise SandboxError("bubblewrap (bwrap) is not installed, and --require-sandbox was given. "
                               "Install it (Debian/Ubuntu: apt-get install bubblewrap) and run kata grade again.")
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        if bwrap:
            cmd = bwrap_command(bwrap, fd)
            self.isolation = BWRAP_ISOLATION
        else:
            cmd = [sys.executable, "-m", "kata.judge.zygote", str(fd)]
            self.isolation = PROCESS_ISOLATION
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": str(_runner_dir()),
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        debug = os.environ.get("KATA_DEBUG")
        join = self._limit_tree()
        self.proc = subprocess.Popen(cmd, pass_fds=(fd,), env=env, stdin=subprocess.DEVNULL,
                                     stdout=None if debug else subprocess.DEVNULL,
                                     stderr=None if debug else subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=join)
        theirs.close()
        self.control = ours
        self.preloaded = set()

    def _limit_tree(self):
        """Make the zygote's cgroup; returns what its process runs before exec to join it."""
        from kata.engine import sandbox as limits_mod

        if self.limits is None:
            self.limits = limits_mod.create(
                limits_mod.Limits(self.memory_mb + ZYGOTE_MB, self.max_processes + ZYGOTE_TASKS, 1.0, 10**6), role="j")
        procs = list(getattr(self.limits, "procs_files", []))

        def join() -> None:  # in the forked child, before exec: the zygote and all it forks are inside
            for path in procs:
                with open(path, "w") as handle:
                    handle.write("0")
            try:
                with open("/proc/self/oom_score_adj", "w") as handle:
                    handle.write("-1000")  # the learner's processes raise theirs back (see zygote)
            except OSError:
                pass

        return join

    def oom_kills(self) -> int:
        """Processes the kernel killed for memory in the zygote's cgroup so far."""
        return self.limits.oom_kills() if self.limits is not None else 0

    @property
    def limits_text(self) -> str:
        if self.limits is None or not getattr(self.limits, "procs_files", None):
            return "rlimits per learner process"
        return f"{self.limits.kind}: {self.memory_mb} MB and {self.max_processes} processes for each run"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def _ask(self, header: dict, fds: list[int] | None = None, wait: bool = True) -> dict:
        assert self.control is not None
        try:
            if self.cleaning:  # the last run's cleanup must be over before anything else starts
                self.cleaning = False
                wire.recv(self.control)
            wire.send(self.control, header)
            if not wait:
                self.cleaning = True
                return {}
            if fds:
                socket.send_fds(self.control, [b"F"], fds)
            reply, _ = wire.recv(self.control)
        except (OSError, wire.WireError) as exc:
            self.close()
            raise SandboxError(f"the sandbox stopped answering ({exc})") from None
        return reply

    def preload(self, names: list[str]) -> None:
        wanted = sorted(set(names) - self.preloaded)
        if wanted:
            self.start()
            self._ask({"op": "preload", "names": wanted})
            self.preloaded.update(wanted)

    def open_run(self, memory_mb: int, cpu_s: int) -> socket.socket:
        """A fresh learner process; returns the judge's end of its socket."""
        self.start()
        judge, learner = socket.socketpair()
        try:
            self._ask({"op": "run", "memory_mb": memory_mb, "cpu_s": cpu_s}, [learner.fileno()])
        finally:
            learner.close()
        return judge

    def end_run(self) -> None:
        """Have the zygote kill whatever the run left; the next request waits until that is done.

        Not waiting here lets the cleanup overlap with the worker sending this run's verdict.
        """
        if self.control is not None:
            self._ask({"op": "end"}, wait=False)

    def close(self) -> None:
        self.cleaning = False
        control, self.control = self.control, None
        if control is not None:
            control.close()
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        limits, self.limits = self.limits, None
        if limits is not None:
            limits.close()  # kills whatever is left in the zygote's cgroup, and removes it
