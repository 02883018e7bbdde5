"""What both ends of the shared engine's socket agree on: where it lives, its key, whom to trust.

The shared engine (`engine/daemon.py`, reached through `engine/shared.py`) is a background process
that keeps a warm worker between `kata check` commands. Anything that would make its worker behave
differently from a fresh one is part of its *key*, and the socket is named after the key, so a
command only ever finds an engine started for the same interpreter, the same kata code, the same
installed packages, the same folder and the same settings. The socket lives in a per-user runtime
folder that must be ours and closed to everyone else; a folder that is not is never used.

Standard library only: `kata check` imports this before it talks to the daemon, so no torch here.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from kata import settings
from kata.contract import framing
from kata.contract.typed import typed

PROTOCOL = 1
MAX_LINE = 64 * 1024 * 1024  # a result with 1000 steps of 8000 characters fits many times over
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux (104 elsewhere)
PACKAGE = Path(__file__).resolve().parents[1]  # the kata package this process runs

# Environment variables that change what a check run does (the worker, its child, torch, the learner's
# code through the usual libraries). Everything else a learner's code might read is documented as
# "the environment of the command that started the engine" (docs/warm-engine.md).
ENV_PREFIXES = ("KATA_", "PYTHON", "OMP_", "MKL_", "OPENBLAS_", "TORCH", "PYTORCH_", "CUDA_", "LC_", "XDG_")
ENV_NAMES = frozenset({"PATH", "HOME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV", "MPLBACKEND", "MPLCONFIGDIR",
                       "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "HF_HOME"})
ENV_NOT_KEYED = frozenset({"KATA_ENGINE", "KATA_RUNTIME_DIR", "KATA_JOBS", "XDG_RUNTIME_DIR", "XDG_SESSION_ID",
                           "XDG_SESSION_TYPE", "XDG_SESSION_CLASS", "XDG_VTNR", "XDG_SEAT"})


class Unusable(Exception):
    """The shared engine cannot be trusted or reached for this command: use a fresh engine."""


def runtime_dir() -> Path:
    """The per-user folder of the shared engines' sockets, made 0700 if absent.

    `KATA_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/kata`, else `$TMPDIR/kata-<uid>` (or /tmp). Raises
    `Unusable` when the folder is not a real folder owned by this user and closed to group and others.
    """
    uid = os.getuid()
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if settings.current().runtime_dir:
        path = Path(settings.current().runtime_dir)
    elif xdg and os.path.isdir(xdg) and os.stat(xdg).st_uid == uid:
        path = Path(xdg) / "kata"
    else:
        path = Path(os.environ.get("TMPDIR") or "/tmp") / f"kata-{uid}"
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise Unusable(f"cannot make {path}: {exc.strerror}") from None
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise Unusable(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Unusable(f"{path} is not a folder (a symlink?)")
    if info.st_uid != uid:
        raise Unusable(f"{path} belongs to uid {info.st_uid}, not to this user ({uid})")
    if info.st_mode & 0o077:
        raise Unusable(f"{path} is open to group or others (mode {stat.S_IMODE(info.st_mode):o}); "
                       f"`chmod 700 {path}` to let kata use it")
    return path


def code_digest(package: Path = PACKAGE) -> str:
    """A digest of the kata package's code: every file's name, size and mtime (cheap: stats only)."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(package):
        # Courses (bundled in a wheel) are not engine code: each run's child imports its checks afresh.
        skip = {"__pycache__", "course", "bundled_courses"} if root == str(package) else {"__pycache__"}
        dirs[:] = sorted(d for d in dirs if d not in skip)
        for name in sorted(files):
            if name.endswith((".py", ".ini", ".j2", ".toml")):
                full = os.path.join(root, name)
                try:
                    info = os.stat(full)
                except OSError:
                    continue
                digest.update(f"{os.path.relpath(full, package)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def cwd_identity(cwd: str | os.PathLike | None = None) -> list:
    """The folder checks run in (the worker's, so the learner's relative paths): a folder deleted and
    made again at the same path is another folder to a running worker."""
    cwd = os.fspath(cwd) if cwd is not None else os.getcwd()
    info = os.stat(cwd)
    return [cwd, info.st_dev, info.st_ino]


def _installs_into(entry: str) -> bool:
    """Whether pip installs into this sys.path entry (so a warm worker's imports may go stale)."""
    return any(part in entry for part in ("site-packages", "dist-packages")) or entry.endswith((".zip", ".egg"))


def command_env() -> dict[str, str]:
    """os.environ as a command in a terminal has it: without what an IPython kernel sets for itself
    (its inline matplotlib backend, which a check child outside the kernel cannot show anyway)."""
    env = dict(os.environ)
    if env.get("MPLBACKEND", "").startswith("module://matplotlib_inline"):
        del env["MPLBACKEND"]
    return env


def command_path() -> list[str]:
    """sys.path but the command's own first entry (its cwd, or its script's folder: the worker's is the cwd).
    An IPython kernel has none there (ipykernel drops its launcher's) and puts '' further on: left out too,
    so the `%kata` magic and `kata check` with the same interpreter and PYTHONPATH get one key."""
    if "ipykernel" in sys.modules:
        return [entry for entry in sys.path if entry]
    return sys.path[1:]


def engine_key(digest: str | None = None, cwd: str | os.PathLike | None = None) -> str:
    """Everything that must match for a warm engine to run this command's checks as a fresh one would;
    `cwd`: the folder its checks run in, when not this process's."""
    env = sorted((k, v) for k, v in command_env().items()
                 if (k.startswith(ENV_PREFIXES) or k in ENV_NAMES) and k not in ENV_NOT_KEYED)
    paths = []  # sys.path[0] is the command's own (cwd, or the script's folder): the worker's is the cwd
    for entry in command_path():
        if not _installs_into(entry):  # a PYTHONPATH folder the learner saves into must not mint engines
            paths.append((entry, 0))
            continue
        try:
            paths.append((entry, os.stat(entry or ".").st_mtime_ns))  # a folder's mtime moves on pip install
        except OSError:
            paths.append((entry, 0))
    facts = {
        # `python` and `python3` of one venv are one interpreter: its file, and the folder that picks the venv.
        "protocol": PROTOCOL, "uid": os.getuid(), "bin": os.path.dirname(sys.executable), "prefix": sys.prefix,
        "realexe": os.path.realpath(sys.executable), "version": sys.version, "package": str(PACKAGE),
        "code": digest or code_digest(), "cwd": cwd_identity(cwd), "umask": _umask(), "env": env, "path": paths,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def socket_path(folder: Path, key: str) -> Path:
    path = folder / f"{key[:24]}.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise Unusable(f"the socket path {path} is too long for a Unix socket")
    return path


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end (Linux's SO_PEERCRED); Unusable where unknown."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        raise Unusable("this system cannot tell who is at the other end of a socket")
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return int(uid)


def check_socket_file(path: Path) -> None:
    """The socket file must be a socket, ours, and closed to group and others."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror}") from None
    if not stat.S_ISSOCK(info.st_mode):
        raise Unusable(f"{path} is not a socket")
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise Unusable(f"{path} is not this user's alone (uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):o})")


def send(sock: socket.socket, message: dict) -> None:
    sock.sendall(framing.line(message))


@dataclass(frozen=True)
class Hello:
    """What a daemon says first on every connection (`daemon.Daemon.hello`), read strictly."""

    kata_engine: int
    key: str = ""
    pid: int = 0
    worker_pid: int = 0  # 0: no worker yet
    limits: str = ""
    busy: bool = False
    runs: int = 0
    idle_s: float = 0.0
    idle_limit_s: float = 0.0
    started: float = 0.0
    cwd: str = ""

    @classmethod
    def from_wire(cls, data: object) -> "Hello":
        """The hello in `data`; `Unusable` for anything else (a wrong type is never read as another)."""
        try:
            return typed(cls, data)
        except ValueError as exc:
            raise Unusable(f"a malformed hello ({exc})") from None


class Lines:
    """Lines of JSON from a socket (`kata.contract.framing`), each read bounded by a deadline on the
    monotonic clock and by MAX_LINE."""

    def __init__(self, sock: socket.socket) -> None:
        self.lines = framing.SocketLines(sock, MAX_LINE)

    def read(self, deadline: float) -> dict:
        """The next non-empty line, parsed; Unusable on end of file, a timeout, an overlong line or garbage."""
        try:
            return self.lines.read(deadline)
        except framing.FrameError as exc:
            raise Unusable(str(exc)) from None
