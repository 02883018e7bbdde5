"""The bubblewrap command line for the judge's sandbox: what is bound, what is masked, as whom.

Allow-list: the sandbox's file system holds only the system's libraries, the Python install,
the site-packages folders Python imports from and kata's own package, all read-only. The root,
`/dev` and every mask are read-only too; the only writable places are the tmpfs mounts each
run gets afresh (`kata.judge.sandboxed.isolation`).

Inside those bound folders, every course is masked at any depth: wherever a folder holds a
`kata.toml` (a course's root), its `solutions/`, `checks/`, `mistakes/` and `hidden/` are
replaced by empty read-only folders (the course's importable code, if any, stays).
That covers kata's bundled courses, third-party courses installed as packages and a course
the grader put on `PYTHONPATH`.

When kata runs as root, bubblewrap is started as the unprivileged host user `nobody`
(`SANDBOX_UID`), never as root inside a user namespace mapped to root: the learner's code
then holds no host privilege in any form (`/proc/sys`, `/sys` and root's files are not its
own). The folders it needs are handed to that user through bind mounts made in a private
mount namespace first (`stage`), so a Python installed under `/root` still works.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

SANDBOX_UID = 65534  # nobody
COURSE_PARTS = ("solutions", "checks", "mistakes", "hidden")


def _multiarch() -> str:
    import platform
    import sysconfig

    return str(sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu")


# The system's shared libraries and the loader, not all of /usr/lib (other software's files, and a
# system Python's dist-packages, which are bound only when Python imports from them).
SYSTEM = (f"/usr/lib/{_multiarch()}", f"/lib/{_multiarch()}", "/usr/lib64", "/lib64", "/usr/lib32", "/lib32",
          "/usr/bin", "/bin", "/usr/share/zoneinfo", "/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")


def runner_dir() -> Path:
    """The folder that holds the `kata` package (site-packages, or runner/ in a checkout)."""
    return Path(__file__).resolve().parents[2]


def code_dirs() -> list[Path]:
    """The folders the sandbox needs read-only: the Python install, its import folders, kata's package."""
    dirs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.exec_prefix).resolve(),
            runner_dir()}
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry) and Path(entry).is_dir():
            dirs.add(Path(entry).resolve())
    executable = Path(sys.executable).resolve()
    if not any(executable.is_relative_to(d) for d in dirs):
        dirs.add(executable.parent)
    # a folder inside another bound folder is bound with it
    return sorted(d for d in dirs if not any(d != o and d.is_relative_to(o) for o in dirs))


def course_masks(bound: list[Path]) -> list[Path]:
    """Every course inside the bound folders, at any depth: what the sandbox replaces with nothing.

    Walked afresh at each sandbox start (~0.15 s): a course installed deep in site-packages since
    the last walk moves no bound folder's mtime, so no cache could tell.
    """
    found: list[Path] = []
    for base in bound:
        for folder, dirnames, filenames in os.walk(base):
            if "kata.toml" not in filenames:
                dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                continue
            here = Path(folder)  # a course: its code stays importable, its data goes
            found.extend(here / part for part in COURSE_PARTS if (here / part).is_dir())
            dirnames[:] = [d for d in dirnames if d not in COURSE_PARTS and d != "__pycache__"]
    return found


def command(bwrap: str, fd: int, sources: dict[Path, str] | None = None) -> list[str]:
    """The bwrap command that starts the zygote with the judge's socket on `fd`.

    `sources` maps a bound folder to the path bubblewrap should bind it from (the staged copy
    when it runs as `nobody`); by default each folder is bound from itself.
    """
    code = code_dirs()
    sources = sources or {}
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--uid", str(SANDBOX_UID),
           "--gid", str(SANDBOX_UID), "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
           "--setenv", "PYTHONPATH", str(runner_dir()), "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
           "--setenv", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1", "--setenv", "PYTHONNOUSERSITE", "1",
           "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/dev/shm"]
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        cmd += ["--setenv", name, "1"]
    system = [Path(p) for p in SYSTEM if os.path.isdir(p) or os.path.isfile(p)]
    for folder in system:
        cmd += ["--ro-bind-try", str(folder), str(folder)]
    for folder in code:
        cmd += ["--ro-bind", sources.get(folder, str(folder)), str(folder)]
    # each bound path is walked where it is bound (/lib/<arch> and /usr/lib/<arch> may be one folder)
    for folder in course_masks(sorted({p for p in system if p.is_dir()} | set(code))):
        cmd += ["--tmpfs", str(folder), "--remount-ro", str(folder)]
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/",
            sys.executable, "-m", "kata.judge.sandboxed.zygote", str(fd), "--isolate"]
    return cmd


_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x00020000, 4096, 16384, 1 << 18


def stage(folders: list[Path], stage_dir: str) -> dict[Path, str]:
    """Where each folder will be bound from once `drop_to_nobody` has run (see below)."""
    return {folder: f"{stage_dir}/{index}" for index, folder in enumerate(folders)}


def drop_to_nobody(staged: dict[Path, str], stage_dir: str) -> None:
    """In the forked child, before exec, as root: stage the folders, then become `nobody` for good.

    A private mount namespace gets a tmpfs on `stage_dir` holding a bind mount of each folder,
    so `nobody` can reach folders whose parents it may not enter (e.g. a Python under /root).
    Nothing of this is seen outside the child. Raises OSError when any step fails.
    """
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")

    check(libc.unshare(_CLONE_NEWNS), "a private mount namespace")
    check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "making mounts private")
    check(libc.mount(b"tmpfs", stage_dir.encode(), b"tmpfs", 0, b"mode=0755"), "the staging tmpfs")
    for folder, target in staged.items():
        os.mkdir(target)
        check(libc.mount(str(folder).encode(), target.encode(), None, _MS_BIND | _MS_REC, None), f"staging {folder}")
    os.setgroups([])
    os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    if os.geteuid() == 0 or os.getuid() == 0:
        raise OSError("could not leave root")
