"""A cgroup per warm worker: memory, processes and CPU limited for all of a run's processes together.

Each warm worker makes one cgroup (v2 where its controllers can be used, else v1's memory,
pids and cpu hierarchies) and reuses it for every run: the child joins it right after the
fork, before any learner code. Reuse is safe because a run ends only once every process in
the cgroup is dead and reaped (`end_run`). Standard library only: the client calls
`remove_stale` after its worker died.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from kata.engine import cgroupfs
from kata.engine.cgroupfs import counter, try_write, write
from kata.procs import fork_call, kill_all, pid_namespace, read_text, start_time
from kata.engine.rlimits import SANDBOX_FAILED, Limits, Sandbox

HEADROOM_MB = 256  # in a cgroup, one process's address space stops this much below the run's total,
# so a single huge allocation is a MemoryError, and only several processes together meet the OOM killer
CPU_PERIOD_US = 100_000
PREFIX = "kata-"


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
            write(d / "memory.max", str(memory))
            try_write(d / "memory.swap.max", "0")
            try_write(d / "memory.oom.group", "1")
            write(d / "pids.max", str(limits.max_processes))
            if "cpu" in self.dirs:
                write(d / "cpu.max", f"{quota} {CPU_PERIOD_US}")
        else:
            mem = self.dirs["memory"]
            both = [p for p in (mem / "memory.limit_in_bytes", mem / "memory.memsw.limit_in_bytes") if p.exists()]
            try:  # memsw (memory + swap) may never be below memory: the order depends on the direction
                for path in both:
                    write(path, str(memory))
            except OSError:
                for path in reversed(both):
                    write(path, str(memory))
            write(self.dirs["pids"] / "pids.max", str(limits.max_processes))
            if "cpu" in self.dirs:
                write(self.dirs["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                write(self.dirs["cpu"] / "cpu.cfs_quota_us", str(quota))
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
        return self.oom_kills(), counter(pids, "max")

    def oom_kills(self) -> int:
        if self.version == 2:
            return counter(self.dirs[""] / "memory.events", "oom_kill")
        return counter(self.dirs["memory"] / "memory.oom_control", "oom_kill")

    def members(self) -> set[int]:
        try:
            return {int(p) for p in read_text(self.members_file).split()}
        except (OSError, ValueError):
            return set()

    def stop_run(self, child_pid: int) -> None:
        if self.version == 2:
            try_write(self.dirs[""] / "cgroup.kill", "1")
        super().stop_run(child_pid)

    def end_run(self) -> None:
        if self.version == 2:
            try_write(self.dirs[""] / "cgroup.kill", "1")
        super().end_run()

    def join(self) -> None:
        for path in self.procs_files:
            write(path, "0")  # "0": the writing process

    def probe(self) -> bool:
        def body() -> int:
            self.enter()
            return 0

        _, raw = os.waitpid(fork_call(body, failed=SANDBOX_FAILED, report=False), 0)
        return os.WIFEXITED(raw) and os.WEXITSTATUS(raw) == 0

    def close(self) -> None:
        self.end_run()
        for d in self.dirs.values():
            try:
                d.rmdir()
            except OSError:
                pass


def cgroup_name(role: str = "") -> str:
    """kata-<pid namespace>-<worker pid>-<its start time><role>; `role` is letters, e.g. "j" for the judge."""
    pid = os.getpid()
    return f"{PREFIX}{pid_namespace()}-{pid}-{start_time(pid) or 0}{role}"


def _is_stale(name: str, namespace: str) -> bool:
    parts = name[len(PREFIX):].split("-")
    if len(parts) != 3 or parts[0] != namespace or not parts[1].isdigit():
        return False
    return start_time(int(parts[1])) != parts[2].rstrip("abcdefghijklmnopqrstuvwxyz")


def remove_stale(parents: list[Path] | None = None) -> None:
    """Kill what is left in the cgroups of workers that died without cleaning up, and remove them.

    Only this PID namespace's `kata-*` cgroups whose worker (pid and start time) is gone.
    """
    namespace = pid_namespace()
    for parent in parents if parents is not None else cgroupfs.candidate_parents():
        try:
            names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            if not _is_stale(name, namespace):
                continue
            d = parent / name
            try_write(d / "cgroup.kill", "1")
            for _ in range(200):
                try:
                    pids = {int(p) for p in read_text(d / "cgroup.procs").split()}
                except (OSError, ValueError):
                    break
                if not pids:
                    break
                kill_all(pids)
                time.sleep(0.002)
            try:
                d.rmdir()
            except OSError:
                pass


def try_v2(name: str) -> CgroupSandbox | None:
    own = cgroupfs.own_cgroups().get("")
    if own is None:
        return None
    for fstype, root, point, _ in cgroupfs.mounts():
        if fstype != "cgroup2":
            continue
        parent = cgroupfs.inside(root, point, own)
        if parent is None:
            continue
        try:
            available = set(read_text(parent / "cgroup.controllers").split())
            if not {"memory", "pids"} <= available:
                continue
            wanted = {"memory", "pids"} | ({"cpu"} & available)
            enabled = set(read_text(parent / "cgroup.subtree_control").split())
            if not wanted <= enabled:  # refused (EBUSY) when the parent holds processes itself
                write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted - enabled)))
            d = cgroupfs.make(parent, name)
            dirs = {"": d}
            if "cpu" in set(read_text(d / "cgroup.controllers").split()):
                dirs["cpu"] = d  # marks the cpu controller as in use
            return CgroupSandbox(2, dirs)
        except OSError:
            continue
    return None


def try_v1(name: str) -> CgroupSandbox | None:
    own = cgroupfs.own_cgroups()
    dirs: dict[str, Path] = {}
    made: list[Path] = []
    try:
        for fstype, root, point, opts in cgroupfs.mounts():
            if fstype != "cgroup":
                continue
            for controller in ("memory", "pids", "cpu"):
                if controller in opts and controller in own and controller not in dirs:
                    parent = cgroupfs.inside(root, point, own[controller])
                    if parent is None:
                        continue
                    if not any(d.parent == parent for d in made):
                        made.append(cgroupfs.make(parent, name))
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
