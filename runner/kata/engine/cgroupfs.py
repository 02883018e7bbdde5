"""Finding this process's cgroups, and reading and writing cgroup files.

Split from `kata.engine.cgroup` so that what varies between machines (v1 or v2, where each
hierarchy is mounted, mountinfo's escapes) stays apart from what kata does with a cgroup.
Standard library only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kata.procs import read_text


def write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def try_write(path: Path, value: str) -> bool:
    try:
        write(path, value)
        return True
    except OSError:
        return False


def counter(path: Path, key: str) -> int:
    """`key N` from a flat-keyed cgroup file, 0 when missing."""
    try:
        for line in read_text(path).splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _unescape(path: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), path)


def mounts() -> list[tuple[str, str, str, set[str]]]:
    """(fstype, mount root, mount point, super options) of each cgroup mount."""
    found: list[tuple[str, str, str, set[str]]] = []
    try:
        lines = read_text("/proc/self/mountinfo").splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        head, tail = left.split(), right.split()
        if len(head) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        found.append((tail[0], _unescape(head[3]), _unescape(head[4]), set(tail[2].split(","))))
    return found


def own_cgroups() -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path."""
    own: dict[str, str] = {}
    try:
        lines = read_text("/proc/self/cgroup").splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            own[name] = path
    return own


def inside(mount_root: str, mount_point: str, path: str) -> Path | None:
    """Where cgroup `path` is in the file system, given the mount that shows it; None if it does not."""
    if mount_root == "/":
        return Path(mount_point + path.rstrip("/"))
    if path == mount_root or path.startswith(mount_root + "/"):
        return Path(mount_point + path[len(mount_root):])
    return None


def candidate_parents() -> list[Path]:
    """The folders of this process's own cgroups, one per hierarchy kata may use."""
    own = own_cgroups()
    parents = []
    for fstype, root, point, opts in mounts():
        if fstype == "cgroup2":
            path = own.get("")
        else:
            path = next((own[c] for c in ("pids", "memory", "cpu") if c in opts and c in own), None)
        if path is not None:
            where = inside(root, point, path)
            if where is not None:
                parents.append(where)
    return parents


def make(parent: Path, name: str) -> Path:
    d = parent / name
    try:
        d.mkdir()
    except FileExistsError:
        pass
    return d
