"""The shared engines of this user's runtime folder: finding them, their status, stopping them, a cap.

Each distinct key (interpreter, kata's code, environment, folder, installed packages) gets its
own background engine, and each holds a warm worker (~0.5 GB) for up to 10 idle minutes. Scripts
that check many workspaces would start one per workspace; `make_room` keeps at most
`MAX_ENGINES` (2 unless KATA_MAX_ENGINES says otherwise) running by stopping the least recently
used ones before a new one starts. `kata engine status` shows each one's memory.
Standard library only: this is on `kata check`'s path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from kata import settings
from kata.engine.daemon_wire import (PROTOCOL, Hello, Lines, Unusable, check_socket_file, engine_key, peer_uid, runtime_dir,
                                     send, socket_path)
from kata.errors import KataError
from kata.procs import children, stat_fields

CONNECT_S = 1.0  # connecting to a listening socket is immediate; this bounds a stuck one
HELLO_S = 2.0  # the daemon says hello as soon as it accepts
MAX_ENGINES = settings.current().max_engines

MODES = ("shared", "fresh")
_daemons: list[subprocess.Popen] = []  # the daemons this process started, kept from the garbage collector


def engine_mode() -> str:
    mode = settings.current().engine  # shared or fresh: anything else is a KataError that names both
    if mode == "shared" and not (hasattr(socket, "AF_UNIX") and hasattr(socket, "SO_PEERCRED")):
        return "fresh"  # no way to tell who is at the other end of a socket here
    return mode


def _connect(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_S)
    try:
        sock.connect(str(path))
    except BaseException:
        sock.close()
        raise
    return sock


def _hello(sock: socket.socket, path: Path) -> tuple[Hello, Lines]:
    """The daemon's hello, after the trust checks on its socket file and its process."""
    check_socket_file(path)
    if peer_uid(sock) != os.getuid():
        raise Unusable(f"the process behind {path} is another user's")
    lines = Lines(sock)
    data = lines.read(time.monotonic() + HELLO_S)
    if not isinstance(data, dict) or data.get("kata_engine") != PROTOCOL:
        raise Unusable(f"{path} is not a kata engine of this version")
    return Hello.from_wire(data), lines


# --- kata engine status | stop ---------------------------------------------------------------

def _engines(folder: Path) -> list[tuple[Path, socket.socket, Hello, Lines]]:
    """Every live, trusted shared engine in `folder`, connected, with its hello."""
    found = []
    for path in sorted(folder.glob("*.sock")):
        try:
            sock = _connect(path)
        except OSError:
            continue
        try:
            hello, lines = _hello(sock, path)
        except (Unusable, OSError):
            sock.close()
            continue
        found.append((path, sock, hello, lines))
    return found


def shared_engine_status() -> dict[str, Any]:
    """The mode, the runtime folder (or why it is refused) and each shared engine running there.

    Each engine: its socket, key, pid, worker pid (0: no worker yet), runs served, idle seconds, idle
    limit, folder (its cwd), and `current`: whether a `kata check` here would use it. Never raises.
    """
    status: dict[str, Any] = {"mode": "", "runtime_dir": "", "refused": "", "engines": []}
    try:
        status["mode"] = engine_mode()
        folder = runtime_dir()
    except (KataError, Unusable) as exc:
        status["refused"] = str(exc)
        return status
    status["runtime_dir"] = str(folder)
    try:
        current = socket_path(folder, engine_key())
    except Unusable:
        current = None
    for path, sock, hello, _lines in _engines(folder):
        sock.close()
        status["engines"].append({
            "socket": str(path), "current": path == current, "key": hello.key, "pid": hello.pid,
            "worker_pid": hello.worker_pid, "runs": hello.runs, "busy": hello.busy, "idle_s": hello.idle_s,
            "idle_limit_s": hello.idle_limit_s, "cwd": hello.cwd, "memory_mb": _tree_memory_mb(hello.pid),
        })
    return status


def _memory_kb(pid: int) -> int:
    """A process's proportional set size (pages shared with its forks counted once over them all),
    else its resident set size where the kernel has no smaps_rollup; 0 when it is gone."""
    for path, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return 0


def _tree_memory_mb(pid: int) -> float:
    """The memory of an engine: the daemon, its worker and the worker's children (a standby, a run)."""
    if pid <= 0:
        return 0.0
    seen: set[int] = set()
    todo, total = [pid], 0
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _memory_kb(current)
        todo.extend(children(current))
    return round(total / 1024, 1)


def _gone(pid: int) -> bool:
    fields = stat_fields(pid)
    return not fields or fields[0] == b"Z"


def stop_shared_engine(wait_s: float = 10.0) -> int:
    """Stop every shared engine of this user's runtime folder (their workers too); how many stopped.

    Waits up to `wait_s` for them to exit. Never raises.
    """
    try:
        folder = runtime_dir()
    except Unusable:
        return 0
    pids = []
    for _path, sock, hello, lines in _engines(folder):
        try:
            send(sock, {"op": "stop"})
            if lines.read(time.monotonic() + HELLO_S) == {"daemon": "stopping"}:
                pids.append(hello.pid)
        except (Unusable, OSError, ValueError, TypeError):
            pass
        finally:
            sock.close()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and not all(_gone(pid) for pid in pids):
        for proc in _daemons:
            proc.poll()
        time.sleep(0.05)
    for proc in _daemons:
        proc.poll()  # reap the ones this process started
    return len(pids)


def make_room(folder: Path, keep: Path) -> int:
    """Stop the least recently used (longest-idle) shared engines until a new one keeps the count
    within MAX_ENGINES.

    A busy engine is never stopped. Returns how many were asked to stop. Never raises.
    """
    found = [entry for entry in _engines(folder) if entry[0] != keep]
    stopped = 0
    try:
        excess = len(found) + 1 - max(MAX_ENGINES, 1)
        idle = sorted((e for e in found if not e[2].busy), key=lambda e: -e[2].idle_s)
        for _path, sock, _hello_msg, lines in idle[:max(excess, 0)]:
            try:
                send(sock, {"op": "stop"})
                if lines.read(time.monotonic() + HELLO_S) == {"daemon": "stopping"}:
                    stopped += 1
            except (Unusable, OSError, ValueError, TypeError):
                pass
    finally:
        for _path, sock, _hello_msg, _lines in found:
            sock.close()
    return stopped
