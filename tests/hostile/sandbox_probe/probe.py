"""Probes what a submission may do inside `kata grade`'s sandbox, and says so in its failures.

Not an exam answer: every function raises an exception whose message is `PROBE: ` and one line
of JSON, which `tests/e2e/test_grade_sandbox_probe.py` reads back from the row's step messages.
scale() reports the privileged operations (each `true` is a hole), mean() what the sandbox
looks like (information only), nudge() what an earlier run of this same file left behind.

Nothing here changes the host even where it succeeds: files are only opened for writing, never
written; mounts happen in the sandbox's own mount namespace, or in a forked child's; a key added to
a keyring is unlinked by the last run; a ptrace attach is detached at once.
"""
import ctypes
import errno
import json
import os
import signal
import sys
import time

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_KEY_NAME = b"kata-attack-probe"
KEY_SPEC_USER_KEYRING = -4
KEY_SPEC_SESSION_KEYRING = -3


def _err():
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def _status():
    fields = {}
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Groups"):
                    fields[key] = value.strip()
    except OSError:
        pass
    return fields


def _read(path, limit=400):
    try:
        with open(path) as handle:
            return handle.read(limit)
    except OSError as exc:
        return f"! {type(exc).__name__}: {exc.strerror}"


def _host_uids():
    """Each uid inside mapped to the host's (outer) uid, from /proc/self/uid_map."""
    found = []
    for line in _read("/proc/self/uid_map").splitlines():
        parts = line.split()
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            found.append([int(p) for p in parts])
    return found


def _open_for_writing(path):
    """Opens `path` write-only and closes it without writing: permission is checked at open."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return False
    os.close(fd)
    return True


def _sys_writable(limit=4000, seconds=1.5):
    """Files and folders under /sys that can be opened for writing (or created in), at most a few."""
    found, seen, deadline = [], 0, time.monotonic() + seconds
    for root, dirs, files in os.walk("/sys", followlinks=False):
        if time.monotonic() > deadline or seen > limit:
            break
        dirs[:] = [d for d in dirs if d not in ("devices", "bus", "class", "module")][:20]
        if os.access(root, os.W_OK):
            found.append(root + "/")
        for name in files[:50]:
            seen += 1
            path = os.path.join(root, name)
            if os.access(path, os.W_OK) and _open_for_writing(path):
                found.append(path)
        if len(found) > 5:
            break
    return found


def _mount_tmpfs(target):
    ok = _libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, None) == 0
    if ok:
        _libc.umount2(target.encode(), 2)  # MNT_DETACH
    return ok if ok else _err()


def _in_child(fn):
    """fn() in a forked child (namespaces it makes die with it); its result as JSON, or the error."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            out = json.dumps(fn())
        except BaseException as exc:
            out = json.dumps(f"! {type(exc).__name__}: {exc}")
        os.write(write, out.encode())
        os._exit(0)
    os.close(write)
    data = b""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    try:
        return json.loads(data.decode())
    except ValueError:
        return "! no answer"


def _unshare_user_then_mount():
    CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        return {"unshare": False, "errno": _err()}
    return {"unshare": True, "mount_tmpfs_over_tmp": _mount_tmpfs("/tmp") is True}


def _unshare_mount_only():
    CLONE_NEWNS = 0x00020000
    return _libc.unshare(CLONE_NEWNS) == 0


def _keyctl_add():
    add_key = _libc.add_key
    add_key.restype = ctypes.c_long
    add_key.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int32]
    payload = b"left by an earlier run"
    try:
        serial = add_key(b"user", _KEY_NAME, payload, len(payload), KEY_SPEC_USER_KEYRING)
    except AttributeError:  # libc without add_key: the raw syscall
        serial = _libc.syscall(248, b"user", _KEY_NAME, payload, len(payload), KEY_SPEC_USER_KEYRING)
    return serial > 0


def _keyctl_find():
    KEYCTL_SEARCH = 10
    serial = _libc.syscall(250, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, b"user", _KEY_NAME, 0)
    return serial if serial > 0 else None


def _keyctl_unlink(serial):
    KEYCTL_UNLINK = 9
    _libc.syscall(250, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING)


def _ptrace_parent():
    PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
    ptrace = _libc.ptrace
    ptrace.restype = ctypes.c_long
    ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    target = os.getppid()
    if ptrace(PTRACE_SEIZE, target, None, None) != 0:
        return False
    ptrace(PTRACE_INTERRUPT, target, None, None)
    try:
        os.waitpid(target, 0x40000000)  # __WALL
    except OSError:
        pass
    ptrace(PTRACE_DETACH, target, None, None)
    return True


def _proc_mem(pid, flags):
    try:
        fd = os.open(f"/proc/{pid}/mem", flags)
    except OSError:
        return False
    os.close(fd)
    return True


def _bpf_map_create():
    class Attr(ctypes.Structure):
        _fields_ = [("map_type", ctypes.c_uint32), ("key_size", ctypes.c_uint32),
                    ("value_size", ctypes.c_uint32), ("max_entries", ctypes.c_uint32),
                    ("pad", ctypes.c_uint8 * 112)]

    attr = Attr(2, 4, 4, 1)  # BPF_MAP_TYPE_ARRAY
    fd = _libc.syscall(321, 0, ctypes.byref(attr), ctypes.sizeof(attr))  # BPF_MAP_CREATE
    if fd >= 0:
        os.close(fd)
        return True
    return False


def _perf_event_open():
    class Attr(ctypes.Structure):
        _fields_ = [("type", ctypes.c_uint32), ("size", ctypes.c_uint32), ("config", ctypes.c_uint64),
                    ("rest", ctypes.c_uint8 * 112)]

    attr = Attr(1, 128, 0)  # PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK
    fd = _libc.syscall(298, ctypes.byref(attr), 0, -1, -1, 0)  # this process, any cpu
    if fd >= 0:
        os.close(fd)
        return True
    return False


def _host_root():
    """Whether some uid inside is the host's root, and whether we are (or can become) it."""
    mapped = _host_uids()
    uid = os.getuid()
    for inside, outside, count in mapped:
        if inside <= uid < inside + count and outside + (uid - inside) == 0:
            return True
    return False


def _machine_code(code):
    """`code` (x86_64 machine code ending in ret) called as a C function; its result."""
    import mmap

    buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    buf.write(code)
    function = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(buf)))
    return int(function())


def _killed_or_refused(fn):
    """fn() in a forked child: False when the filter killed it (SIGSYS) or the call failed, else what it got."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            out = fn()
        except BaseException as exc:
            out = f"! {type(exc).__name__}: {exc}"
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    data = os.read(read, 4096)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS:
        return False
    try:
        out = json.loads(data.decode())
    except ValueError:
        return f"! status {status}"
    return out if not (isinstance(out, int) and out < 0) else False


def _int80(number, ebx=0):
    """A 32-bit system call (`int 0x80`, AUDIT_ARCH_I386) from this 64-bit process: the filter must kill it."""
    # push rbx; mov eax, number; mov ebx, ebx; int 0x80; pop rbx; ret
    code = (b"\x53\xb8" + number.to_bytes(4, "little") + b"\xbb" + ebx.to_bytes(4, "little") + b"\xcd\x80\x5b\xc3")
    return lambda: _machine_code(code)


def _syscall(number, *args):
    def call():
        result = _libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
        if result == 0 and number in (56,):  # a clone that worked: we are its child
            os._exit(0)
        return int(result) if result >= 0 else -1
    return call


def _seccomp_gaps():
    """Other ways around the filter's numbers: other ABIs, and calls it should refuse by name."""
    if os.uname().machine != "x86_64":
        return {}
    CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
    return {
        "int80_getpid": _killed_or_refused(_int80(20)),  # i386 getpid: harmless, but must be killed
        "int80_unshare_user": _killed_or_refused(_int80(310, CLONE_NEWUSER)),  # i386 unshare
        "x32_getpid": _killed_or_refused(_syscall(0x40000000 | 39)),
        "x32_unshare_user": _killed_or_refused(_syscall(0x40000000 | 272, CLONE_NEWUSER)),
        "clone_newuser": _killed_or_refused(_syscall(56, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)),
        "io_uring_setup": _killed_or_refused(_syscall(425, 8, ctypes.addressof(ctypes.create_string_buffer(120)))),
        "prctl_set_mm": _killed_or_refused(_syscall(157, 35, 8, 0, 0, 0)),  # PR_SET_MM, PR_SET_MM_START_BRK
    }


def _caps():
    eff = _status().get("CapEff", "0")
    try:
        return int(eff, 16) != 0
    except ValueError:
        return True


def privileged():
    """Each privileged thing tried: True where it worked (a hole), else False."""
    results = {
        "uid_is_host_root": _host_root(),
        "has_capabilities": _caps(),
        "uid_0_inside": os.getuid() == 0 or os.geteuid() == 0,
        "proc_sys_core_pattern_writable": _open_for_writing("/proc/sys/kernel/core_pattern"),
        "proc_sys_writable": any(_open_for_writing(p) for p in ("/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
                                                                  "/proc/sys/kernel/core_pattern")),
        "sysrq_trigger_writable": _open_for_writing("/proc/sysrq-trigger"),
        "sys_writable": _sys_writable(),
        "mount_tmpfs": _mount_tmpfs("/tmp") is True,
        "unshare_mount_ns": _in_child(_unshare_mount_only),
        "unshare_user_then_mount": _in_child(_unshare_user_then_mount),
        "keyctl_add_key": False,
        "ptrace_parent": _in_child(_ptrace_parent),
        "proc_parent_mem_read": _proc_mem(os.getppid(), os.O_RDONLY),
        "proc_parent_mem_write": _proc_mem(os.getppid(), os.O_RDWR),
        "bpf": _bpf_map_create(),
        "perf_event_open": _perf_event_open(),
    }
    try:
        results.update(_seccomp_gaps())
    except Exception as exc:
        results["seccomp_gaps_error"] = f"{type(exc).__name__}: {exc}"
    try:
        results["keyctl_add_key"] = _keyctl_add()
    except Exception:
        pass
    results["namespaces"] = _namespaces()  # information: the test compares them with the next run's
    # a nested user namespace is only a hole if it worked: report the part that did
    if isinstance(results["unshare_user_then_mount"], dict):
        results["unshare_user"] = results["unshare_user_then_mount"].get("unshare", False)
        results["unshare_user_then_mount"] = results["unshare_user_then_mount"].get("mount_tmpfs_over_tmp", False)
    return results


def _writable_dirs(seconds=1.0):
    found, deadline = [], time.monotonic() + seconds
    for root, dirs, _ in os.walk("/", followlinks=False):
        if time.monotonic() > deadline:
            found.append("… (walk cut short)")
            break
        if root in ("/proc", "/sys"):
            dirs[:] = []
            continue
        if os.access(root, os.W_OK):
            found.append(root)
    return found[:40]


def _processes():
    seen = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            seen.append(f"{entry}:{_read(f'/proc/{entry}/comm', 40).strip()}")
    return seen[:40]


def _sysv_ipc():
    shmget = _libc.shmget
    shmget.restype = ctypes.c_int
    key = 0x6B617461
    shm = shmget(key, 4096, 0o1666)  # IPC_CREAT | 0666
    return {"shmget": shm >= 0, "ipcs_shm": _read("/proc/sysvipc/shm", 600).splitlines()[1:6]}


def looks():
    """What the sandbox looks like from inside (information, not asserted)."""
    return {
        "status": _status(), "uid_map": _read("/proc/self/uid_map").strip(), "gid_map": _read("/proc/self/gid_map").strip(),
        "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "sys_path": sys.path,
        "env": sorted(os.environ), "processes": _processes(), "writable": _writable_dirs(),
        "tmp": sorted(os.listdir("/tmp"))[:30] if os.path.isdir("/tmp") else None,
        "dev_shm": sorted(os.listdir("/dev/shm"))[:30] if os.path.isdir("/dev/shm") else "none",
        "hostname": os.uname().nodename, "ipc": _sysv_ipc(),
        "net": _read("/proc/net/dev", 600).splitlines()[2:],
        "mounts": len(_read("/proc/self/mounts", 100000).splitlines()), "namespaces": _namespaces(),
    }


def _namespaces():
    """Which namespace of each kind this run is in (the kernel's ids, the same from any process)."""
    found = {}
    for kind in ("user", "mnt", "pid", "ipc", "uts", "net"):
        try:
            found[kind] = os.readlink(f"/proc/self/ns/{kind}")
        except OSError as exc:
            found[kind] = f"unreadable: {exc}"
    return found


def left_behind():
    """What an earlier run of this file (scale's, then mean's) left where a later run can see it."""
    found = {"key_in_user_keyring": False, "tmp_marker": False, "dev_shm_marker": False}
    serial = _keyctl_find()
    if serial:
        found["key_in_user_keyring"] = True
        _keyctl_unlink(serial)
    for name, path in (("tmp_marker", "/tmp/kata-attack-probe"), ("dev_shm_marker", "/dev/shm/kata-attack-probe")):
        found[name] = os.path.exists(path)
    return found


def _leave_markers():
    for path in ("/tmp/kata-attack-probe", "/dev/shm/kata-attack-probe"):
        try:
            with open(path, "w") as handle:
                handle.write("left by an earlier run\n")
        except OSError:
            pass


def _report(what):
    try:
        data = what()
    except BaseException as exc:
        data = {"probe_error": f"{type(exc).__name__}: {exc}"}
    return "PROBE: " + json.dumps(data, separators=(",", ":"), default=str)


def scale(x, k):
    message = _report(privileged)
    _leave_markers()
    raise RuntimeError(message)


def mean(values):
    message = _report(looks)
    _leave_markers()
    _libc.prctl(15, b"kata-probe", 0, 0, 0)  # PR_SET_NAME: the test looks for us from the host
    time.sleep(1.5)  # long enough for the test to read our host uid in /proc
    raise RuntimeError(message)


def nudge(x, lr):
    raise RuntimeError(_report(left_behind))
