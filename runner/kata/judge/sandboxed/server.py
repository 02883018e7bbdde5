"""The learner's side of the judge: runs the learner's module and answers the judge's requests.

Everything here runs inside the sandbox, next to untrusted code, so nothing
here is trusted by the judge: it only ever turns the learner's values into
data (JSON plus raw tensor bytes) and the judge's data back into values.

Objects that are not data (functions, classes, instances, modules) stay here
and cross as numbered handles. Tensors cross as copies that keep a shared id,
so a tensor that goes out and comes back is the same object on each side, and
a change made on either side (in place, `.data`, `.grad`) is sent to the other
with the next message. The random generators travel with every call, so the
judge and the learner draw from one stream, as if they shared a process.
"""

from __future__ import annotations

import io
import linecache
import os
import socket
import sys
import threading
import traceback
import types
from typing import Any

from kata import torch_settings
from kata.judge import wire
from kata.judge.sandboxed.learner_values import LearnerValues
from kata.judge.sandboxed.no_input import NoInput

MAX_OUT = 64 * 1024
RUNS_CODE = {"load", "call", "iter", "backward", "getattr", "setattr", "typecheck", "typechecked", "define", "deepcopy"}


class _Capped(io.StringIO):
    """A print target that keeps at most MAX_OUT characters and counts the rest."""

    dropped = 0

    def write(self, text: str) -> int:
        room = MAX_OUT - self.tell()
        if room > 0:
            super().write(text[:room])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)


class Server(LearnerValues):
    """One learner process's answers to the judge: one request in, one reply out, until the socket closes."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.send_lock = threading.Lock()  # replies and integrity notices (kata.judge.sandboxed.integrity)
        self.module: types.ModuleType | None = None
        self.limit: Any = None  # applies the run's limits; called once, before any learner code runs
        self.rng_seen: tuple | None = None  # the generators' state as the judge last knows it
        self.imports: list[str] = []  # heavy libraries the learner's file imports (for the worker to preload)
        self.torch_changed: dict[str, Any] = {}  # torch settings the learner's module code changed
        self.guard: Any = None  # the loaded module's kata.forbid guard, when its exercise forbids modules
        self.last_compiled: tuple[tuple[str, str, bool], Any] | None = None  # the last source's code object
        self.earlier_compiled: dict = {}  # the earlier exercises' guarded code objects (kata.earlier)
        self.earlier_files: set[str] = set()  # their paths: their frames are the learner's too

    def own_files(self) -> set[str]:
        """The learner's own files, as paths (the module's and its earlier exercises')."""
        found = {os.path.abspath(f) for f in self.earlier_files}
        learner = getattr(self.module, "__file__", None)
        return found | ({os.path.abspath(learner)} if isinstance(learner, str) else set())

    def load(self, source: str, path: str, name: str, forbid: Any = None, earlier: Any = None) -> types.ModuleType:
        """Import the learner's source as module `name` (ops call this, so they need not import us);
        `earlier` is the submission's own earlier exercises, {number: [path, source]} (kata.earlier)."""
        return load(self, source, path, name, forbid, earlier)

    # -- the loop -------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                request, blobs = wire.recv(self.sock)
            except (wire.WireError, OSError):
                return
            reply_blobs: list[bytes] = []
            self.sending = set()
            reply = self.handle(request, blobs, reply_blobs)
            try:
                with self.send_lock:
                    wire.send(self.sock, reply, reply_blobs)
            except OSError:
                return
            if "error" not in reply or "sync" in reply:
                self.acked |= self.sending

    def handle(self, request: dict, blobs: list[bytes], out_blobs: list[bytes]) -> dict:
        import contextlib

        from kata.judge import rng
        from kata.judge.sandboxed import ops

        torch = sys.modules.get("torch")

        op = request.get("op")
        if self.limit is not None:
            if op == "load":
                self.imports = preload_imports(str(request.get("source", "")))
            self.limit, limit = None, self.limit
            limit()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err = _Capped(), _Capped()
        reply: dict = {}
        quiet = False
        try:
            self.apply_sync(request.get("sync", []), blobs)
            if "rng" in request:
                self.rng_seen = rng.restore(request["rng"], blobs)
            quiet = op == "getattr" and _plain_attribute(self.objects.get(request.get("obj", 0)),
                                                         str(request.get("name")))
            grad_mode = torch.set_grad_enabled(bool(request.get("grad", True))) if torch else contextlib.nullcontext()
            with grad_mode:
                before = torch_settings.snapshot()
                if op == "load":
                    self.torch_changed = {}
                value = ops.run(self, op, request, blobs)
                if op == "load":  # put back, and told as `kata check` tells it (kata.torch_settings)
                    self.torch_changed = torch_settings.put_back(before)
            if self.guard is not None and self.guard.violation is not None:
                raise self.guard.violation  # a forbidden use the learner's code caught still fails the step
            reply["value"] = self.enc(value, out_blobs)
        except BaseException as exc:  # the learner's code may raise anything, even SystemExit
            self.sending.clear()  # a value half encoded never reaches the judge
            reply = {"error": describe(exc, self.module, self.earlier_files)}
        finally:
            sys.stdout, sys.stderr = saved
        try:
            if op in RUNS_CODE and not (quiet and "error" not in reply):
                reply["sync"] = self.changes(out_blobs)
                now = rng.snapshot()
                if now != self.rng_seen:
                    reply["rng"] = rng.encode(now, out_blobs)
                    self.rng_seen = now
        except BaseException as exc:
            reply = {"error": describe(exc, self.module, self.earlier_files)}
        reply["out"], reply["err"] = _text(out), _text(err)
        if op == "load" and self.imports:
            reply["imports"] = self.imports
        if op == "load" and self.torch_changed:
            reply["torch_changed"] = self.torch_changed
        return reply


def _plain_attribute(obj: Any, name: str) -> bool:
    """Whether reading `obj.name` runs no Python code of the learner's (no property, no __getattr__)."""
    import inspect

    if obj is None or type(type(obj)).__getattribute__ is not type.__getattribute__:
        return False
    if type(obj).__getattribute__ not in (object.__getattribute__, types.ModuleType.__getattribute__,
                                          type.__getattribute__):
        return False
    try:
        found = inspect.getattr_static(obj, name)
    except AttributeError:
        return False
    if isinstance(found, (types.FunctionType, staticmethod, classmethod, types.BuiltinFunctionType)):
        return True
    return not hasattr(type(found), "__get__")


def _text(stream: _Capped) -> str:
    text = stream.getvalue()
    return text + (f"\n… output cut: {stream.dropped} more characters" if stream.dropped else "")


def describe(exc: BaseException, module: types.ModuleType | None, earlier_files: "set[str] | frozenset[str]" = frozenset()) -> dict:
    """An exception as data: its class's name and bases, its message and the learner's frames."""
    try:
        message = str(exc)
    except BaseException:
        message = "(its message could not be shown)"
    learner = getattr(module, "__file__", None)
    files = {learner, *earlier_files}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    info: dict[str, Any] = {
        "type": type(exc).__name__, "module": type(exc).__module__,
        "bases": [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"],
        "message": message[:20000],
        "frames": [[f.filename, f.lineno or 0, f.name, (f.line or "")[:300]] for f in frames[-20:]],
    }
    if learner and not isinstance(exc, (SystemExit, KeyboardInterrupt)):
        try:  # the same learner-facing account as local mode; it needs this process's frames and locals
            from pathlib import Path

            from kata.feedback.failures import describe_exception

            told = describe_exception(exc, [Path(learner)] + [Path(f) for f in sorted(earlier_files)],
                                      learner_file=Path(learner))
            from kata.earlier import attribution

            blame = attribution(exc, learner)
            info["told"] = (f"{blame}\n{told}" if blame else told)[:20000]
        except BaseException:
            pass
    if isinstance(exc, SyntaxError):
        info["syntax"] = [exc.filename, exc.lineno, exc.offset, exc.text, exc.msg]
    if isinstance(exc, SystemExit):
        info["code"] = repr(exc.code)[:200]
    return info


def preload_imports(source: str) -> list[str]:
    """Import the heavy libraries the learner's file names, before the memory limit applies.

    Mapping torch's shared libraries takes more address space than any check needs; importing
    them first keeps the limit about the learner's own allocations. The names are read as the
    check child reads them (`kata.preload.named_libraries`, import lines at any indent), so a
    run's two sides load the same libraries: an `import torch` inside a function works judged
    as it does in `kata check`.
    """
    from kata.preload import named_libraries

    found = named_libraries(source.encode("utf-8", "surrogateescape"))
    for name in found:
        if name not in sys.modules:
            try:
                __import__(name)
            except Exception:
                pass
    return found


def load(server: Server, source: str, path: str, name: str, forbid: Any = None, earlier: Any = None) -> types.ModuleType:
    sys.argv = [path]  # as the check child sets it (kata.plugin.target): the file is the program
    sys.stdin = NoInput()  # as pytest's capture gives the check child's learner code
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    server.module = module
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    server.guard = None
    rule = None
    if forbid is not None:  # the exercise forbids modules: every call of the learner's code is guarded
        from kata.forbid.guard import install
        from kata.forbid.rules import Rule

        rule = Rule.from_wire(forbid)
        if rule is None:
            raise ValueError("the judge sent a malformed forbid rule")
        server.guard = install(module.__dict__, rule)
    _use_earlier(server, earlier, rule)
    exec(_compiled(server, source, path, forbid is not None), module.__dict__)
    return module


def _use_earlier(server: Server, texts: Any, rule: Any) -> None:
    """`earlier("04")` in the learner's code runs the submission's own 04, sent as text with K's (never
    a reference: it does not enter the sandbox), guarded as K is; a fresh module graph for each load."""
    from kata import earlier

    found: dict[str, tuple[str, str]] = {}
    for number, pair in (texts.items() if isinstance(texts, dict) else ()):
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
            found[str(number)] = (pair[0], pair[1])
            linecache.cache[pair[0]] = (len(pair[1]), None, pair[1].splitlines(True), pair[0])
    server.earlier_files = {path for path, _ in found.values()}

    def prepare(module: types.ModuleType, filename: str, source: str) -> Any:
        if rule is None:
            return None
        from kata.forbid.guard import install

        install(module.__dict__, rule)
        return _compiled(server, source, filename, True, cache=server.earlier_compiled)

    earlier.use(earlier.text_resolver(found, "yours", prepare))


def _compiled(server: Server, source: str, path: str, guarded: bool, cache: dict | None = None) -> Any:
    """The source's code object: compiled once per run, though each step loads the module afresh
    (guarded, the compile costs ~5 ms more for a 500-line file: kata.forbid.rewrite)."""
    key = (source, path, guarded)
    if cache is not None and key in cache:
        return cache[key]
    if cache is None and server.last_compiled is not None and server.last_compiled[0] == key:
        return server.last_compiled[1]
    if guarded:
        from kata.forbid.rewrite import compile_guarded

        code = compile_guarded(source, path)
    else:
        code = compile(source, path, "exec", dont_inherit=True)
    if cache is not None:
        cache[key] = code
    else:
        server.last_compiled = (key, code)
    return code
