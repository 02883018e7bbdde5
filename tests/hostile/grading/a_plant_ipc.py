"""Opens channels that outlive its run, for a later run to fill and `zz_read_planted.py` to read.

Runs before the honest rows. Creates, world-writable and with fixed names: a SysV message queue
and shared-memory segment (key "kata"), a POSIX message queue (/kata-attack), a file in /dev/shm,
and a key in the user keyring; each holds a marker, and the planted modules of
`a_plant_modules.py` add classmates' source to them. Any of these still there in a later run is
state shared between students.
"""
import ctypes
import os

_KEY = 0x6B617461
MARK = b"# kata-attack marker from a_plant_ipc\n"


def _plant():
    libc = ctypes.CDLL(None, use_errno=True)
    queue = libc.msgget(_KEY, 0o1666)  # IPC_CREAT | 0666
    if queue >= 0:
        buf = ctypes.create_string_buffer(8 + len(MARK))
        ctypes.memmove(buf, ctypes.byref(ctypes.c_long(1)), 8)
        ctypes.memmove(ctypes.addressof(buf) + 8, MARK, len(MARK))
        libc.msgsnd(queue, buf, len(MARK), 0o4000)
    libc.shmat.restype = ctypes.c_void_p
    shm = libc.shmget(_KEY, 1 << 20, 0o1666)
    if shm >= 0:
        addr = libc.shmat(shm, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            if ctypes.string_at(addr, 1) == b"\0":
                ctypes.memmove(addr, MARK, len(MARK))
            libc.shmdt(ctypes.c_void_p(addr))
    try:
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        mq = rt.mq_open(b"/kata-attack", 0o4102, 0o666, None)  # O_RDWR | O_CREAT | O_NONBLOCK
        if mq >= 0:
            rt.mq_send(mq, MARK, len(MARK), 0)
    except OSError:
        pass
    try:
        fd = os.open("/dev/shm/kata-attack-channel", os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o666)
        os.write(fd, MARK)
        os.close(fd)
    except OSError:
        pass
    try:
        libc.syscall.restype = ctypes.c_long
        libc.syscall(248, b"user", b"kata-attack-channel", MARK, len(MARK), -4)  # add_key, user keyring
    except Exception:
        pass


_plant()


def scale(x, k):
    raise NotImplementedError("scale")


def mean(values):
    raise NotImplementedError("mean")


def nudge(x, lr):
    raise NotImplementedError("nudge")
