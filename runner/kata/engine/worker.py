"""The warm worker: pays for torch and pytest once, then runs each check in a fresh child.

Protocol: one JSON request per line on stdin, JSON event lines on stdout,
ending each run with `{"ev": "result", ...}`. The worker imports torch but must
never compute with it: a child forked from a parent that ran a multi-threaded
torch op hangs. `gc.freeze()` after warming keeps pytest's final `gc.collect`
in each child from walking the worker's whole heap.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from kata.engine import child as child_mod
from kata.engine.supervisor import Child, supervise
from kata.results import to_wire

CAN_FORK = hasattr(os, "fork") and os.environ.get("KATA_NO_FORK") != "1"

WARMUP_CHECK = '''
def test_warm(exercise):
    """warm-up"""
    assert exercise.VALUE == 1
'''


def warm_up() -> None:
    """Import everything a check needs and run pytest once, so each fork starts hot."""
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401

    import kata.expect  # noqa: F401
    import kata.plugin  # noqa: F401

    if not CAN_FORK:
        return
    with tempfile.TemporaryDirectory(prefix="kata-warm-") as tmp:
        check = Path(tmp, "test_00_warm.py")
        check.write_text(WARMUP_CHECK)
        target = Path(tmp, "00_warm.py")
        target.write_text("VALUE = 1\n")
        request = {"checks": str(check), "target": str(target), "step_timeout": 30, "rootdir": tmp}
        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            import pytest

            pytest.main(child_mod.pytest_args(request, events_fd=null))
        except BaseException:  # warming is an optimisation, never a reason to fail
            pass
        finally:
            os.close(null)
            sys.stdout = saved
    gc.collect()
    gc.freeze()


_sessions: dict[str, object] = {}


def prepared_session(request: dict):
    """The started pytest session for this request's course, prepared once per course."""
    if not CAN_FORK:
        return None
    rootdir = request.get("rootdir") or str(Path(request["checks"]).parent)
    if rootdir not in _sessions:
        saved = sys.stdout, sys.stderr
        try:
            _sessions[rootdir] = child_mod.prepare_session(rootdir)
        except BaseException:  # fall back to a full pytest.main in the child
            _sessions[rootdir] = None
        finally:
            sys.stdout, sys.stderr = saved  # capture=sys swapped them; the worker keeps its own
        gc.collect()
        gc.freeze()
    return _sessions[rootdir]


def die_with(parent: int) -> None:
    """Have the kernel kill this child when the worker dies (Linux), so none is ever orphaned.

    The child has its own process group, so a Ctrl-C that ends `kata` and its
    worker would otherwise leave a learner's endless loop running on its own.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the worker died before prctl took effect
        os._exit(1)


def start_child(request: dict, prepared=None) -> tuple[Child, int, int]:
    """Fork (or spawn) a child for one run; returns it with the read ends of its two pipes."""
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    worker = os.getpid()
    if CAN_FORK:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.setpgid(0, 0)
                die_with(worker)
                os.close(events_r)
                os.close(output_r)
                os.dup2(output_w, 1)
                os.dup2(output_w, 2)
                os.close(output_w)
                code = child_mod.run(request, events_w, prepared)
            except BaseException:
                traceback.print_exc()
            finally:
                try:
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        handle = Child(pid)
    else:
        popen = subprocess.Popen(
            [sys.executable, "-m", "kata.engine.child", json.dumps(request), str(events_w)],
            pass_fds=(events_w,), stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
            start_new_session=True, preexec_fn=lambda: die_with(worker),
        )
        handle = Child(popen.pid, popen)
    os.close(events_w)
    os.close(output_w)
    return handle, events_r, output_r


def serve(requests, reply) -> None:
    for line in requests:
        try:
            request = json.loads(line)
        except ValueError:
            reply({"ev": "bad_request", "message": "not JSON"})
            continue
        op = request.get("op", "check")
        if op == "ping":
            reply({"ev": "pong", "pid": os.getpid(), "fork": CAN_FORK})
            continue
        if op == "quit":
            return
        loaded = len(sys.modules)
        child_mod.preload(request.get("preload", ()))  # once per worker, before forking
        if len(sys.modules) != loaded:  # freeze what was just imported too, or each child's gc walks it
            gc.collect()
            gc.freeze()
        handle, events_r, output_r = start_child(request, prepared_session(request))
        result = supervise(handle, events_r, output_r, request, on_event=reply)
        reply({"ev": "result", "result": to_wire(result)})


def main() -> None:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins kata names, each once
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the CLI's to handle; it closes our stdin
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # a stray print in the worker can never corrupt the protocol
    sys.stdout = open(os.devnull, "w")
    warm_up()

    def reply(event: dict) -> None:
        proto.write(json.dumps(event) + "\n")
        proto.flush()

    reply({"ev": "ready", "pid": os.getpid(), "fork": CAN_FORK})
    try:
        serve(sys.stdin, reply)
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
