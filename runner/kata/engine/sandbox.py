"""Limits for a whole run, and the end of everything a run started.

Each warm worker makes one cgroup (v2 where its controllers can be used, else v1's
memory, pids and cpu hierarchies) and reuses it for every run: the child joins it
right after the fork, before any learner code, and the run's memory, process count
and CPU are limited for all its processes together. Reuse is safe because a run
ends only once every process in the cgroup is dead and reaped. Where no cgroup can
be made (no permission, no controllers), per-process rlimits apply instead, and the
result's `limits` says so.

The worker is a child subreaper, so a process that leaves its run's process group
(setsid) or its parent (a double fork) is reparented to the worker, not to PID 1.
`end_run` kills the cgroup's members and every child of the worker, again until
none is left, and reaps them: when a run ends, nothing it started is alive.

Standard library only: the client calls `remove_stale` after its worker died.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
SANDBOX_FAILED = 71  # the exit status of a child that could not join its cgroup (no learner code ran)
HEADROOM_MB = 256  # in a cgroup, one process's address space stops this much below the run's total,
# so a single huge allocation is a MemoryError, and only several processes together meet the OOM killer
CPU_PERIOD_US = 100_000
PREFIX = "kata-"


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # the run's processes together (a cgroup), or each process's extra address space
    max_processes: int
    cpu_cores: float
    cpu_seconds: int  # RLIMIT_CPU of each process: a backstop should one outlive its worker


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def prctl(option: int, value: int) -> bool:
    libc = _libc()
    try:
        return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0
    except AttributeError:
        return False


def become_subreaper() -> bool:
    """Orphans of this process's descendants become its children (Linux ≥ 3.4)."""
    return prctl(PR_SET_CHILD_SUBREAPER, 1)


def not_dumpable() -> bool:
    """Other processes of the same user (learner code) may no longer open this one's files through
    /proc/<pid>/fd, read its memory or ptrace it; the check children inherit it. Root still can."""
    return prctl(PR_SET_DUMPABLE, 0)


def _read(path: Path) -> str:
    with open(path) as handle:
        return handle.read()


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _counter(path: Path, key: str) -> int:
    """`key N` from a flat-keyed cgroup file, 0 when missing."""
    try:
        for line in _read(path).splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _start_time(pid: int) -> str | None:
    try:
        stat = _read(Path(f"/proc/{pid}/stat"))
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def children(pid: int | None = None) -> set[int]:
    """The live and zombie children of process `pid` (default: this one), from /proc."""
    pid = pid or os.getpid()
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found.update(int(p) for p in _read(Path(f"/proc/{pid}/task/{task}/children")).split())
        except (OSError, ValueError):
            continue
    return found


def reap() -> None:
    """Collect every child that has exited (the subreaper's zombies)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _unescape(path: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), path)


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(fstype, mount root, mount point, super options) of each cgroup mount."""
    found = []
    try:
        lines = _read(Path("/proc/self/mountinfo")).splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        head, tail = left.split(), right.split()
        if len(head) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        found.append((tail[0], _unescape(head[3]), _unescape(head[4]), set(tail[2].split(","))))
    return found


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path."""
    own: dict[str, str] = {}
    try:
        lines = _read(Path("/proc/self/cgroup")).splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            own[name] = path
    return own


def _inside(mount_root: str, mount_point: str, path: str) -> Path | None:
    if mount_root == "/":
        return Path(mount_point + path.rstrip("/"))
    if path == mount_root or path.startswith(mount_root + "/"):
        return Path(mount_point + path[len(mount_root):])
    return None


class Sandbox:
    """The limits of one worker's runs, and the cleanup after each. This base class: rlimits only."""

    kind = "rlimits"

    def __init__(self) -> None:
        self.limits: Limits | None = None
        self.spared: set[int] = set()  # the worker's own long-lived helpers (the judge's sandbox)

    # --- in the worker -----------------------------------------------------------------

    def configure(self, limits: Limits) -> None:
        self.limits = limits

    def describe(self) -> str:
        lim = self.limits
        if lim is None:
            return ""
        procs = "not limited (running as root)" if os.geteuid() == 0 else f"{lim.max_processes} more for this user"
        return (f"rlimits per process: memory {lim.memory_mb} MB, cpu {lim.cpu_seconds} s; "
                f"processes {procs}; no total for the run")

    def address_space_mb(self) -> int:
        """Extra address space each of the run's processes may map, above its size at start."""
        return self.limits.memory_mb if self.limits else 0

    def counters(self) -> tuple[int, int]:
        """(OOM kills, refused forks) so far; a run compares them before and after."""
        return 0, 0

    def oom_kills(self) -> int:
        return 0

    def members(self) -> set[int]:
        return set()

    def end_run(self) -> None:
        """Kill everything the run left behind (cgroup members, the worker's children) and reap it.

        Call only after the run's main child has been waited for: this reaps any child.
        """
        me = os.getpid()
        for attempt in range(2000):
            left = (self.members() | children(me)) - {me} - self.spared
            if not left:
                return
            _kill(left)
            reap()
            if attempt:
                time.sleep(0.0005 * min(attempt, 20))

    def probe(self) -> bool:
        """Whether a fresh child can still join the sandbox (a trusted fork that runs nothing else)."""
        return True

    def close(self) -> None:
        pass

    # --- in the child, after the fork, before any learner code ------------------------------

    def enter(self) -> None:
        """Join the run's limits. Raises OSError when the cgroup cannot be joined."""
        lim = self.limits
        if lim is None:
            return
        _lower(resource.RLIMIT_CPU, lim.cpu_seconds, lim.cpu_seconds + 5)
        if self.kind == "rlimits" and os.geteuid() != 0 and hasattr(resource, "RLIMIT_NPROC"):
            allowed = _user_processes() + lim.max_processes
            _lower(resource.RLIMIT_NPROC, allowed, allowed)


def _lower(which: int, soft: int, hard: int) -> None:
    try:
        cur_soft, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
        resource.setrlimit(which, (min(soft, hard), hard))
    except (OSError, ValueError):
        pass


def _user_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                continue
    return count


class CgroupSandbox(Sandbox):
    """One cgroup per worker (a directory in each hierarchy used), reused run after run."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        super().__init__()
        self.version = version
        self.kind = f"cgroup v{version}"
        self.dirs = dirs  # controller -> directory (v2: one directory under "")
        self.procs_files = sorted({d / "cgroup.procs" for d in dirs.values()})
        # Every process of a run is in every hierarchy (only root could leave one, and the
        # subreaper's children walk still finds what leaves): one membership list is enough.
        self.members_file = dirs["" if version == 2 else "pids"] / "cgroup.procs"
        self.written: tuple[int, int, float] | None = None

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        wanted = (limits.memory_mb, limits.max_processes, limits.cpu_cores)
        if self.written == wanted:
            return
        memory = limits.memory_mb * 1024 * 1024
        quota = max(int(limits.cpu_cores * CPU_PERIOD_US), 1000)
        if self.version == 2:
            d = self.dirs[""]
            _write(d / "memory.max", str(memory))
            _try_write(d / "memory.swap.max", "0")
            _try_write(d / "memory.oom.group", "1")
            _write(d / "pids.max", str(limits.max_processes))
            if "cpu" in self.dirs:
                _write(d / "cpu.max", f"{quota} {CPU_PERIOD_US}")
        else:
            mem = self.dirs["memory"]
            both = [mem / "memory.limit_in_bytes", mem / "memory.memsw.limit_in_bytes"]
            both = [p for p in both if p.exists()]
            try:  # memsw (memory + swap) may never be below memory: the order depends on the direction
                for path in both:
                    _write(path, str(memory))
            except OSError:
                for path in reversed(both):
                    _write(path, str(memory))
            _write(self.dirs["pids"] / "pids.max", str(limits.max_processes))
            if "cpu" in self.dirs:
                _write(self.dirs["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(self.dirs["cpu"] / "cpu.cfs_quota_us", str(quota))
        self.written = wanted

    def describe(self) -> str:
        lim = self.limits
        if lim is None:
            return ""
        cpu = f", cpu {lim.cpu_cores:g} core{'s' if lim.cpu_cores != 1 else ''}" if "cpu" in self.dirs else ""
        return f"{self.kind}: memory {lim.memory_mb} MB, {lim.max_processes} processes{cpu}"

    def address_space_mb(self) -> int:
        if self.limits is None:
            return 0
        return max(self.limits.memory_mb - HEADROOM_MB, self.limits.memory_mb // 2)

    def counters(self) -> tuple[int, int]:
        pids = self.dirs["" if self.version == 2 else "pids"] / "pids.events"
        return self.oom_kills(), _counter(pids, "max")

    def oom_kills(self) -> int:
        if self.version == 2:
            return _counter(self.dirs[""] / "memory.events", "oom_kill")
        return _counter(self.dirs["memory"] / "memory.oom_control", "oom_kill")

    def members(self) -> set[int]:
        try:
            return {int(p) for p in _read(self.members_file).split()}
        except (OSError, ValueError):
            return set()

    def end_run(self) -> None:
        if self.version == 2:
            _try_write(self.dirs[""] / "cgroup.kill", "1")
        super().end_run()

    def enter(self) -> None:
        for path in self.procs_files:
            _write(path, "0")  # "0": the writing process
        super().enter()

    def probe(self) -> bool:
        pid = os.fork()
        if pid == 0:
            try:
                self.enter()
                code = 0
            except BaseException:
                code = SANDBOX_FAILED
            os._exit(code)
        _, raw = os.waitpid(pid, 0)
        return os.WIFEXITED(raw) and os.WEXITSTATUS(raw) == 0

    def close(self) -> None:
        self.end_run()
        for d in self.dirs.values():
            try:
                d.rmdir()
            except OSError:
                pass


def _try_write(path: Path, value: str) -> bool:
    try:
        _write(path, value)
        return True
    except OSError:
        return False


def _name(role: str = "") -> str:
    """kata-<pid namespace>-<worker pid>-<its start time><role>; `role` is letters, e.g. "j" for the judge."""
    pid = os.getpid()
    return f"{PREFIX}{_pid_namespace()}-{pid}-{_start_time(pid) or 0}{role}"


def _is_stale(name: str, namespace: str) -> bool:
    parts = name[len(PREFIX):].split("-")
    if len(parts) != 3 or parts[0] != namespace or not parts[1].isdigit():
        return False
    return _start_time(int(parts[1])) != parts[2].rstrip("abcdefghijklmnopqrstuvwxyz")


def remove_stale(parents: list[Path] | None = None) -> None:
    """Kill what is left in the cgroups of workers that died without cleaning up, and remove them.

    Only this PID namespace's `kata-*` cgroups whose worker (pid and start time) is gone.
    """
    namespace = _pid_namespace()
    for parent in parents if parents is not None else _candidate_parents():
        try:
            names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            if not _is_stale(name, namespace):
                continue
            d = parent / name
            _try_write(d / "cgroup.kill", "1")
            for _ in range(200):
                try:
                    pids = {int(p) for p in _read(d / "cgroup.procs").split()}
                except (OSError, ValueError):
                    break
                if not pids:
                    break
                _kill(pids)
                time.sleep(0.002)
            try:
                d.rmdir()
            except OSError:
                pass


def _candidate_parents() -> list[Path]:
    own = _own_cgroups()
    parents = []
    for fstype, root, point, opts in _mounts():
        if fstype == "cgroup2":
            path = own.get("")
        else:
            path = next((own[c] for c in ("pids", "memory", "cpu") if c in opts and c in own), None)
        if path is not None:
            where = _inside(root, point, path)
            if where is not None:
                parents.append(where)
    return parents


def _make(parent: Path, name: str) -> Path:
    d = parent / name
    try:
        d.mkdir()
    except FileExistsError:
        pass
    return d


def _try_v2(name: str) -> CgroupSandbox | None:
    own = _own_cgroups().get("")
    if own is None:
        return None
    for fstype, root, point, _ in _mounts():
        if fstype != "cgroup2":
            continue
        parent = _inside(root, point, own)
        if parent is None:
            continue
        try:
            available = set(_read(parent / "cgroup.controllers").split())
            if not {"memory", "pids"} <= available:
                continue
            wanted = {"memory", "pids"} | ({"cpu"} & available)
            enabled = set(_read(parent / "cgroup.subtree_control").split())
            if not wanted <= enabled:  # refused (EBUSY) when the parent holds processes itself
                _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted - enabled)))
            d = _make(parent, name)
            dirs = {"": d}
            if "cpu" in set(_read(d / "cgroup.controllers").split()):
                dirs["cpu"] = d  # marks the cpu controller as in use
            return CgroupSandbox(2, dirs)
        except OSError:
            continue
    return None


def _try_v1(name: str) -> CgroupSandbox | None:
    own = _own_cgroups()
    dirs: dict[str, Path] = {}
    made: list[Path] = []
    try:
        for fstype, root, point, opts in _mounts():
            if fstype != "cgroup":
                continue
            for controller in ("memory", "pids", "cpu"):
                if controller in opts and controller in own and controller not in dirs:
                    parent = _inside(root, point, own[controller])
                    if parent is None:
                        continue
                    if not any(d.parent == parent for d in made):
                        made.append(_make(parent, name))
                    dirs[controller] = next(d for d in made if d.parent == parent)
        if not {"memory", "pids"} <= set(dirs):
            raise OSError(errno.ENOENT, "no memory and pids cgroup hierarchies")
        return CgroupSandbox(1, dirs)
    except OSError:
        for d in made:
            try:
                d.rmdir()
            except OSError:
                pass
        return None


def create(limits: Limits, role: str = "") -> Sandbox:
    """The best sandbox this machine allows: cgroup v2, else v1, else rlimits.

    `KATA_NO_CGROUP=1` forces rlimits (the tests use it to cover that path).
    """
    if os.environ.get("KATA_NO_CGROUP") != "1" and os.path.exists("/proc/self/cgroup"):
        remove_stale()
        name = _name(role)
        for attempt in (_try_v2, _try_v1):
            sandbox = attempt(name)
            if sandbox is None:
                continue
            try:
                sandbox.configure(limits)
                return sandbox
            except OSError:
                sandbox.close()
    sandbox = Sandbox()
    sandbox.configure(limits)
    return sandbox
