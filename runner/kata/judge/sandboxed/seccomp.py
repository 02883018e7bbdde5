"""A seccomp filter for learner processes: the system calls a learner's code never needs, refused.

Namespaces, a non-root uid and no capabilities already stop these calls from doing
harm; the filter is the second wall, and it shrinks the kernel a learner can reach
(io_uring, bpf, perf, keyrings, new namespaces). Refused calls fail with EPERM
(`clone3` with ENOSYS, so the C library falls back to `clone`, whose flags the filter
can read: a `clone` that asks for a namespace is refused). An unknown architecture
is killed: a 32-bit ABI on a 64-bit kernel would dodge the numbers below.

Installed once per learner process, after its namespaces are made and before any
learner code runs; it cannot be lifted, and it is inherited by every process and
thread the learner's code starts.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

# Syscall numbers from the kernel's headers (x86_64: asm/unistd_64.h; aarch64: asm-generic/unistd.h).
_DENIED = {
    "ptrace": (101, 117), "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "unshare": (272, 97), "setns": (308, 268), "keyctl": (250, 219), "add_key": (248, 217),
    "request_key": (249, 218), "bpf": (321, 280), "perf_event_open": (298, 241),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271), "kexec_load": (246, 104),
    "kexec_file_load": (320, 294), "init_module": (175, 105), "finit_module": (313, 273),
    "delete_module": (176, 106), "swapon": (167, 224), "swapoff": (168, 225), "reboot": (169, 142),
    "userfaultfd": (323, 282), "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
    "fsmount": (432, 432), "fspick": (433, 433), "mount_setattr": (442, 442), "chroot": (161, 51),
    "acct": (163, 89), "settimeofday": (164, 170), "sethostname": (170, 161), "setdomainname": (171, 162),
    "quotactl": (179, 60), "syslog": (103, 116), "vhangup": (153, 58), "pidfd_getfd": (438, 438),
    "kcmp": (312, 272), "process_madvise": (440, 440),
}
_X86_ONLY = {"iopl": 172, "ioperm": 173}
_CLONE = (56, 220)
_CLONE3 = (435, 435)
_ARCHES = {"x86_64": (0xC000003E, 0), "aarch64": (0xC00000B7, 1)}
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS = 0x7FFF0000, 0x80000000
_ERRNO = 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16


def denied_calls() -> list[str]:
    """The names of the calls the filter refuses on this machine (for the docs and the tests)."""
    names = sorted(_DENIED) + ["clone with a namespace flag", "clone3"]
    return names + sorted(_X86_ONLY) if platform.machine() == "x86_64" else names


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The BPF program as (code, jt, jf, k) instructions; raises KeyError on an unknown machine."""
    arch, column = _ARCHES[machine or platform.machine()]
    numbers = sorted({pair[column] for pair in _DENIED.values()}
                     | (set(_X86_ONLY.values()) if column == 0 else set()))
    deny_eperm, deny_enosys = _ERRNO | errno.EPERM, _ERRNO | errno.ENOSYS
    body: list[tuple[int, int, int, int]] = []
    # Layout, after the checks of arch and x32: one jump per denied number to the EPERM return,
    # then clone3 → ENOSYS, clone → flags test, ALLOW, EPERM, ENOSYS.
    tail = [(_JEQ_K, 0, 0, _CLONE3[column]), (_JEQ_K, 0, 0, _CLONE[column])]
    count = len(numbers)
    for index, number in enumerate(numbers):
        # distance to the EPERM return: the rest of the list, the tail, the clone flag test (2), ALLOW
        to_eperm = (count - index - 1) + len(tail) + 2 + 1
        body.append((_JEQ_K, to_eperm, 0, number))
    body += [(_JEQ_K, 5, 0, _CLONE3[column]),  # → ENOSYS
             (_JEQ_K, 0, 2, _CLONE[column]),  # not clone → ALLOW
             (_LD_W_ABS, 0, 0, _ARG0),  # clone's flags (low 32 bits)
             (_JSET_K, 1, 0, NAMESPACE_FLAGS),  # any namespace flag → EPERM
             (_RET_K, 0, 0, _ALLOW),
             (_RET_K, 0, 0, deny_eperm),
             (_RET_K, 0, 0, deny_enosys)]
    head = [(_LD_W_ABS, 0, 0, _ARCH), (_JEQ_K, 1, 0, arch), (_RET_K, 0, 0, _KILL_PROCESS),
            (_LD_W_ABS, 0, 0, _NR)]
    if column == 0:  # x32 system calls have bit 30 set: refuse them all
        to_eperm = len(body) - 2
        head.append((_JGE_K, to_eperm, 0, 0x40000000))
    return head + body


def install() -> None:
    """Refuse the calls above in this process and all it starts; raises OSError if the kernel refuses."""
    instructions = program()
    raw = b"".join(struct.pack("HBBI", *ins) for ins in instructions)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(instructions), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: required to install a filter unprivileged
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
