"""Starting and driving the sandbox, from the trusted side (the warm worker).

With bubblewrap installed, the zygote (`kata.judge.sandboxed.zygote`) runs in a fresh set of
namespaces, as an unprivileged host user, on a read-only file system that holds only what
Python needs with every course's data masked (`kata.judge.bwrap`). It forks each run into
namespaces of the run's own (`kata.judge.sandboxed.isolation`), so one submission never
reaches another. No submission, check or course folder is in view: the learner's source
reaches the sandbox as data over the judge's socket.

Every wait on the zygote has a limit: a zygote that stops answering is killed and replaced,
and the run that was waiting gets an error row. A replaced zygote must get the same limits as
the first one (a cgroup), or the run is refused: a row's isolation never silently weakens.

Without bubblewrap the zygote is a separate, rlimited process: the verdict is still judged
outside the learner's code, and runs are not isolated from each other. Where kata runs as root
(a Gradescope container) each learner process becomes `nobody` before its run starts, with a temp
folder of its own, and can read only what any user may; otherwise it can read what the grader's
user can. `isolation` says which one a run got.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Protocol

from kata import settings
from kata.judge import bwrap as bwrap_cmd
from kata.judge import wire
from kata.procs import set_oom_score_adj


class ZygoteLimits(Protocol):
    """What the judge needs of the limits the worker makes for the zygote's tree (a
    `kata.engine.sandbox.Sandbox`), named here so the judge never imports the engine."""

    kind: str

    def oom_kills(self) -> int: ...

    def close(self) -> None: ...


BWRAP_ISOLATION = ("bubblewrap sandbox, fresh for each run (no network, read-only system, no course files, "
                   "no privileges)")
PROCESS_ISOLATION = ("separate process with rlimits, as this user (bubblewrap is not available, and kata does not "
                     "run as root so cannot switch to an unprivileged user: it can read your files)")
NOBODY_ISOLATION = ("separate process as user nobody, with rlimits (bubblewrap is not available: it can read only "
                    "what any user may, and runs are not isolated from each other)")
ASK_TIMEOUT_S = 30.0  # a run, an end: the zygote answers in milliseconds; 30 s means it is stopped or lost
PRELOAD_TIMEOUT_S = 180.0  # importing torch and friends on a loaded machine


class SandboxError(Exception):
    """The sandbox could not be started (`whole_grade`: no run can start) or failed one run."""

    def __init__(self, message: str, whole_grade: bool = False) -> None:
        super().__init__(message)
        self.whole_grade = whole_grade


def bwrap_path() -> str | None:
    if settings.current().no_bwrap:
        return None
    return shutil.which("bwrap")


def _runner_dir() -> Path:
    return bwrap_cmd.runner_dir()


ZYGOTE_MB = 1024  # the zygote's own memory (torch imported), on top of what a run may use
ZYGOTE_TASKS = 16


class Sandbox:
    """One warm zygote in its sandbox, serving one judged run at a time.

    The zygote and every process a run starts share one cgroup (where one can be made),
    so a run's memory and process count are limited in total, not per process: two
    forked helpers cannot take twice the memory. The zygote itself is never the OOM
    killer's choice; the learner's processes are.
    """

    def __init__(self, require_bwrap: bool = False, memory_mb: int = 3072, max_processes: int = 64,
                 make_limits: "Callable[[int, int], ZygoteLimits] | None" = None) -> None:
        self.require_bwrap = require_bwrap
        # the worker's cgroup maker (kata.engine.sandbox), given so the judge never imports the engine
        self.make_limits = make_limits
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.limits: ZygoteLimits | None = None  # kata.engine.sandbox's cgroup (or rlimits) for the zygote's tree
        self.first_limits = ""  # the limits the first zygote got: a replacement must get the same
        self.proc: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.isolation = ""
        self.preloaded: set[str] = set()
        self.cleaning = False  # an `end` was sent; its answer is read before the next request
        self.stage_dir: str | None = None
        self.runs_dir: str | None = None  # as nobody: the learner processes' temp folders, removed at close
        self.ask_timeout = ASK_TIMEOUT_S

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        self.close()
        bwrap = bwrap_path()
        if bwrap is None and self.require_bwrap:
            raise SandboxError("bubblewrap (bwrap) is not installed, and --require-sandbox was given. "
                               "Install it (Debian/Ubuntu: apt-get install bubblewrap) and run kata grade again.", whole_grade=True)
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        join = self._limit_tree()
        before_exec = join
        if bwrap:
            sources: dict[Path, str] = {}
            if os.geteuid() == 0:  # never root inside: bwrap runs as nobody, with the folders staged for it
                self.stage_dir = tempfile.mkdtemp(prefix="kata-judge-stage-")
                os.chmod(self.stage_dir, 0o755)
                sources = bwrap_cmd.stage(bwrap_cmd.code_dirs(), self.stage_dir)
                stage_dir, staged = self.stage_dir, dict(sources)

                def before_exec() -> None:
                    join()
                    bwrap_cmd.drop_to_nobody(staged, stage_dir)

            cmd = bwrap_cmd.command(bwrap, fd, sources)
            self.isolation = BWRAP_ISOLATION
        else:
            cmd = [sys.executable, "-m", "kata.judge.sandboxed.zygote", str(fd)]
            self.isolation = PROCESS_ISOLATION
            if os.geteuid() == 0:  # each learner process becomes `nobody` before its run (learner_process)
                cmd.append("--as-nobody")
                self.isolation = NOBODY_ISOLATION
                # Each run's temp folder is made in here (the zygote's TMPDIR): nobody may enter its own, list
                # none, and what a zygote killed mid-run could not remove goes with this folder at `close`.
                self.runs_dir = tempfile.mkdtemp(prefix="kata-runs-")
                os.chmod(self.runs_dir, 0o711)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": str(_runner_dir()), "PYTHONNOUSERSITE": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        if self.runs_dir is not None:
            env["TMPDIR"] = self.runs_dir
        debug = settings.debug()
        try:
            self.proc = subprocess.Popen(cmd, pass_fds=(fd,), env=env, stdin=subprocess.DEVNULL, cwd="/",
                                         stdout=None if debug else subprocess.DEVNULL,
                                         stderr=None if debug else subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=before_exec)
        except (OSError, subprocess.SubprocessError) as exc:
            ours.close()
            theirs.close()
            self.close()
            raise SandboxError(f"the sandbox could not be started ({exc}). If bubblewrap cannot make user namespaces "
                               "here, allow them (sysctl kernel.unprivileged_userns_clone=1) or grade where it can.",
                               whole_grade=True) from None
        theirs.close()
        self.control = ours
        self.preloaded = set()

    def _limit_tree(self):
        """Make the zygote's cgroup; returns what its process runs before exec to join it.

        A zygote that replaces a lost one must get the same kind of limits: if the cgroup cannot be
        made again, the run is refused rather than graded under weaker ones.
        """
        if self.limits is None and self.make_limits is not None:  # without one: the learner's rlimits only
            self.limits = self.make_limits(self.memory_mb + ZYGOTE_MB, self.max_processes + ZYGOTE_TASKS)
        if not self.first_limits:
            self.first_limits = self.limits_text
        elif self.limits_text != self.first_limits:
            raise SandboxError(f"the sandbox was replaced but its limits could not be made again (now: {self.limits_text};"
                               f" before: {self.first_limits}); this run was not graded. Grade the class again.",
                               whole_grade=True)
        procs = list(getattr(self.limits, "procs_files", []))

        def join() -> None:  # in the forked child, before exec: the zygote and all it forks are inside
            for path in procs:
                with open(path, "w") as handle:
                    handle.write("0")
            set_oom_score_adj(-1000)  # the learner's processes raise theirs back (see learner_process)

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

    def _ask(self, header: dict, fds: list[int] | None = None, wait: bool = True,
             timeout: float | None = None) -> dict:
        """One request to the zygote and its answer, each within `timeout`; a zygote that misses it is killed."""
        assert self.control is not None
        if self.cleaning and not self._cleaned():  # the last run's leftovers must cost this run nothing
            names = sorted(self.preloaded)
            self.close()
            self.start()
            if names:
                self._ask({"op": "preload", "names": names}, timeout=PRELOAD_TIMEOUT_S)
                self.preloaded.update(names)
        assert self.control is not None
        try:
            self.control.settimeout(timeout or self.ask_timeout)
            wire.send(self.control, header)
            if not wait:
                self.cleaning = True
                return {}
            if fds:
                socket.send_fds(self.control, [b"F"], fds)
            reply, _ = wire.recv(self.control)
        except (OSError, wire.WireError) as exc:
            self.close()
            why = "did not answer in time" if isinstance(exc, socket.timeout) else f"stopped answering ({exc})"
            raise SandboxError(f"the sandbox {why}; it was replaced, and this run was not graded") from None
        if reply.get("ok") is False:
            raise SandboxError(f"the sandbox could not start this run: {reply.get('error', 'no reason given')}")
        return reply

    def _cleaned(self) -> bool:
        """The last run's cleanup answer: everything it started is gone (else the zygote is replaced)."""
        self.cleaning = False
        assert self.control is not None
        try:
            self.control.settimeout(self.ask_timeout)
            reply, _ = wire.recv(self.control)
        except (OSError, wire.WireError):
            return False
        return reply.get("clean") is True

    def preload(self, names: list[str]) -> None:
        wanted = sorted(set(names) - self.preloaded)
        if wanted:
            self.start()
            self._ask({"op": "preload", "names": wanted}, timeout=PRELOAD_TIMEOUT_S)
            self.preloaded.update(wanted)

    def open_run(self, memory_mb: int, cpu_s: int) -> socket.socket:
        """A fresh learner process; returns the judge's end of its socket."""
        self.start()
        judge, learner = socket.socketpair()
        try:
            self._ask({"op": "run", "memory_mb": memory_mb, "cpu_s": cpu_s}, [learner.fileno()])
        except SandboxError:
            judge.close()
            raise
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
        runs_dir, self.runs_dir = self.runs_dir, None
        if runs_dir is not None:
            shutil.rmtree(runs_dir, ignore_errors=True)  # fd-based: never follows a link a run left
        stage_dir, self.stage_dir = self.stage_dir, None
        if stage_dir is not None:
            try:
                os.rmdir(stage_dir)  # empty outside: the staging mounts lived only in the zygote's namespace
            except OSError:
                pass
