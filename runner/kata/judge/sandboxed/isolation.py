"""Fresh namespaces for each learner process, so nothing crosses from one submission to the next.

The zygote stays warm (torch imported once) and never runs learner code. For each run it
forks a *leader*, which makes a new user, mount, PID, IPC, UTS and network namespace, covers every
place the sandbox could write (`/tmp`, `/dev/shm`, …) with a new empty tmpfs, and forks the
learner process as PID 1 of the new PID namespace. That process mounts a /proc of its own,
drops every capability, sets no-new-privileges and installs the seccomp filter, then runs
the learner's code. The leader reports the learner's PID to the zygote and exits.

What this gives, whatever the learner's code does:
- its files, wherever it writes them, live in tmpfs mounts no later run can see;
- SysV IPC and POSIX message queues are its own (a new IPC namespace);
- it cannot name, signal, trace or read the memory of the zygote or of any process of
  another run: they are outside its PID namespace, and the zygote is not dumpable;
- it holds no capability, in its namespace or any other, and cannot make new namespaces.

`prepare(writable)` runs in the leader, `finish()` in the learner process.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
RUN_TMPFS_OPTIONS = b"mode=1777,size=256m,nr_inodes=65536"

_libc = ctypes.CDLL(None, use_errno=True)


class IsolationError(OSError):
    """A namespace, mount or filter could not be made: the run must not go on without it."""


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise IsolationError(code, f"{what}: {os.strerror(code)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def writable_mounts() -> list[str]:
    """The sandbox's mount points where a process could leave a file, read once in the zygote.

    Every writable tmpfs (bubblewrap's /tmp and, without bubblewrap, the host's), and the
    usual scratch folders. Each run gets an empty tmpfs over each of them.
    """
    found: set[str] = set()
    try:
        with open("/proc/self/mountinfo") as handle:
            for line in handle:
                fields = line.split()
                sep = fields.index("-")
                point, options, fstype = fields[4], fields[5].split(","), fields[sep + 1]
                if fstype == "tmpfs" and "rw" in options and not point.startswith(("/proc", "/sys")):
                    found.add(point.replace("\\040", " "))
    except (OSError, ValueError, IndexError):
        pass
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/dev/mqueue"):
        if os.path.isdir(folder) and not os.path.islink(folder):
            found.add(folder)
    found.discard("/dev")  # device nodes cannot be made again in a user namespace; bwrap mounts /dev read-only
    return sorted(found)


def prepare(writable: list[str]) -> None:
    """In the leader: new namespaces, this uid mapped to itself, and an empty tmpfs on every writable place."""
    uid, gid = os.getuid(), os.getgid()
    _libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: the zygote is not; its leader must own its /proc files to map ids
    # A network namespace of its own too (~0.3 ms): abstract Unix sockets live there, a channel to the next run
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET),
           "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    points = _mount_points()
    for point in writable:
        kept = _keep_below(point, points)  # folders bound inside it (kata's code in a checkout under /tmp)
        _check(_libc.mount(b"tmpfs", point.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, RUN_TMPFS_OPTIONS),
               f"a fresh tmpfs on {point}")
        for below, fd in kept:  # bound again on top of the fresh tmpfs, read-only as they were
            try:
                if os.path.isdir(f"/proc/self/fd/{fd}"):
                    os.makedirs(below, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(below), exist_ok=True)
                    open(below, "a").close()
                _check(_libc.mount(f"/proc/self/fd/{fd}".encode(), below.encode(), None, MS_BIND | MS_REC, None),
                       f"binding {below} again")
            finally:
                os.close(fd)


def _mount_points() -> list[str]:
    try:
        with open("/proc/self/mountinfo") as handle:
            return [line.split()[4].replace("\\040", " ") for line in handle]
    except (OSError, IndexError):
        return []


def _keep_below(point: str, points: list[str]) -> list[tuple[str, int]]:
    """The outermost mounts below `point`, each held by an O_PATH descriptor before it is covered."""
    prefix = point.rstrip("/") + "/"
    below = sorted({p for p in points if p.startswith(prefix)})
    outermost = [p for p in below if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in below)]
    return [(p, os.open(p, os.O_PATH)) for p in outermost]


def finish() -> None:
    """In the learner process (PID 1 of its namespace): its own /proc, no capabilities, the filter."""
    from kata.judge.sandboxed import seccomp

    _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mounting /proc")
    drop_capabilities()
    seccomp.install()


def drop_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets, and the bounding set, of this process."""
    for cap in range(64):  # PR_CAPBSET_DROP; EINVAL past the last capability this kernel knows
        if _libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:
            break
    _libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL

    class _Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class _Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header = _Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_Data * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "dropping capabilities")


NOBODY = 65534  # the unprivileged user (and group, nogroup) a learner process runs as without bubblewrap, as root
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24


def blocked_at(path: str) -> str | None:
    """The first folder on the way to `path` (itself included) that other users cannot enter; None if none."""
    current = "/"
    for part in [p for p in os.path.normpath(path).split("/") if p]:
        current = os.path.join(current, part)
        try:
            mode = os.stat(current).st_mode
        except OSError:
            return None  # not there: nothing to expose
        if not mode & 0o001 or (current == path and not mode & 0o004):
            return current
    return None


def expose(paths: list[str]) -> None:
    """As root: make each folder in `paths` reachable by `nobody`, in a mount namespace of this process only.

    A folder whose parents others cannot enter (a Python under /root) is bound back onto a fresh
    tmpfs that covers the first such parent, so that parent's other files stay out of view. Nothing
    is mounted when every folder is reachable already (so a container without mount rights still
    works where its install is world-readable). IsolationError when it cannot be done.
    """
    covers: dict[str, list[str]] = {}
    for path in sorted({os.path.realpath(p) for p in paths if os.path.isabs(p) and os.path.isdir(p)}):
        top = blocked_at(path)
        if top is not None and top != path:
            covers.setdefault(top, []).append(path)
        # a folder closed itself (top == path) is skipped by imports, as it would be for any user
    if not covers:
        return
    _check(_libc.unshare(CLONE_NEWNS), "a private mount namespace")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    for top, below in covers.items():
        outermost = [p for p in below if not any(p != q and p.startswith(q + "/") for q in below)]
        held = [(p, os.open(p, os.O_PATH)) for p in outermost]
        try:
            _check(_libc.mount(b"tmpfs", top.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=1m"),
                   f"a tmpfs over {top}")
            for path, fd in held:
                os.makedirs(path, 0o755, exist_ok=True)
                _check(_libc.mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, MS_BIND | MS_REC, None),
                       f"binding {path}")
        finally:
            for _, fd in held:
                os.close(fd)
    for path in [p for ps in covers.values() for p in ps]:
        if blocked_at(path) is not None:
            raise IsolationError(13, f"{path} cannot be read by other users, even bound on its own")


def become_nobody(tmp: str, needs: list[str]) -> None:
    """As root, before any learner code: give up root for good, keeping only `tmp` (made ours) to write in.

    The folders in `needs` (Python's, torch's, kata's) are made reachable first (`expose`). Then no
    supplementary groups, gid and uid `nobody`, an empty bounding set, no new privileges (no setuid
    binary gives root back) and no capabilities. IsolationError if root could not be left.
    """
    expose(needs)
    os.chown(tmp, NOBODY, NOBODY)
    os.chmod(tmp, 0o700)
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    for cap in range(64):  # while still root: a capability out of the bounding set never comes back
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:
            break
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    os.setresuid(NOBODY, NOBODY, NOBODY)
    drop_capabilities()
    if 0 in os.getresuid() or 0 in os.getresgid() or os.getgroups():
        raise IsolationError(1, "could not leave root")
