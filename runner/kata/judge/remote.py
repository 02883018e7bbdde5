"""The judge's view of the learner's module: proxies whose every use is a request over a socket.

A check gets a `RemoteModule` as its `exercise`. Reading an attribute, calling
a function or instantiating a class sends a request to the learner's process
and turns the answer, which is data, back into plain values:

- numbers, strings, lists, tuples, dicts arrive as exactly those types;
- tensors arrive as plain `torch.Tensor`s built from raw bytes. Each keeps a
  shared id, so the same learner tensor is always the same object here, and
  a change on either side is synced to the other with the next message
  (in place when the storage stayed, by rebinding `.data` when it did not);
- a tensor the learner computed with autograd arrives as the output of
  `kata.judge.mirror.remote_function()`, whose backward asks the learner's process for the
  gradients: `loss.backward()` in a check reaches the learner's graph;
- anything else stays in the learner's process and arrives as a `Handle`.

Nothing the learner's process sends is ever executed or unpickled here.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata.contract.typed import decode
from kata.judge import rng, wire
from kata.judge.errors import LearnerProcessGone, RemoteError, died_message, forged_error, rebuild_exception
from kata.judge.handles import Handle, RemoteModule
from kata.judge.mirror import JudgeValues, key_of
from kata import torch_settings
from kata.shown_text import shown

if TYPE_CHECKING:
    import torch

__all__ = ["Channel", "Handle", "LearnerProcessGone", "RemoteError", "RemoteModule"]

MAX_PRINTS = 64 * 1024
MAX_NOTICES = 50  # integrity notices the learner's side may send before a reply; more is itself a forgery
CODE_OPS = {"load", "call", "iter", "backward", "typecheck", "typechecked", "define", "deepcopy", "getattr", "setattr"}


class Channel(JudgeValues):
    """One learner process, seen from the judge: requests out, answers in, shared tensors kept in step."""

    def __init__(self, sock: socket.socket, target: Path) -> None:
        super().__init__()
        self.sock = sock
        self.target = target
        self.broken = ""
        self.rng_seen: tuple | None = None  # the generators' state as the learner's process last knows it
        self.imports: list[str] = []  # heavy libraries the learner's file imports, as its process reports
        self.torch_changed: dict[str, object] = {}  # torch settings the learner's module code changed (load)
        self.flags: list[str] = []  # what this run did that no honest answer does (kata.judge.integrity)
        self.on_flag: Any = None  # called with each new flag (the plugin sends it on at once)

    # -- requests --------------------------------------------------------------
    def request(self, op: str, **fields: Any) -> Any:
        if self.broken:
            raise LearnerProcessGone(self.broken)
        blobs: list[bytes] = []
        header = {"op": op, **{k: self.enc(v, blobs) if k in ("args", "kwargs", "value", "key", "gradient") else v
                                for k, v in fields.items()}}
        header["sync"] = self._dirty(blobs)
        torch = sys.modules.get("torch")  # not loaded here: grad mode is torch's default, on
        header["grad"] = torch.is_grad_enabled() if torch is not None else True
        sent_rng = None
        if op in CODE_OPS:
            sent_rng = rng.snapshot()
            if sent_rng != self.rng_seen:
                header["rng"] = rng.encode(sent_rng, blobs)
        try:
            wire.send(self.sock, header, blobs)
            reply, got = self._reply()
        except (wire.WireError, OSError) as exc:
            if isinstance(exc, wire.WireError) and not str(exc).startswith(wire.CLOSED):
                self.flag(f"sent the judge a frame kata's side never sends ({exc})")
            self.broken = f"the process running your code stopped answering ({exc})"
            raise LearnerProcessGone(self.broken) from None
        except BaseException:  # a step timeout lands here while we wait: the answer may still come
            self.broken = "not run: an earlier step timed out while your code was running"
            raise
        if "died" in reply:
            self.broken = died_message(reply["died"])
            raise LearnerProcessGone(self.broken)
        try:
            if op == "load" and "imports" in reply:
                self.imports = decode(list[str], reply["imports"], "imports")[:20]  # names, never str() of anything
            if op == "load":
                self.torch_changed = _torch_changed(reply.get("torch_changed", {}))
            self._apply(reply.get("sync", []), got)
            # Values first: a tensor may be what imports torch here (kata.judge.mirror), and the
            # learner's generator state must then be restored into it, not reset from torch's default.
            value = None if "error" in reply else self.dec(reply.get("value"), got)
            if "rng" in reply:
                self.rng_seen = rng.restore(reply["rng"], got)
            elif sent_rng is not None:
                self.rng_seen = sent_rng
        except (wire.WireError, KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
            self.flag(f"sent the judge an answer kata's side never sends ({type(exc).__name__})")
            self.broken = f"the process running your code sent a malformed answer ({type(exc).__name__})"
            raise LearnerProcessGone(self.broken) from None
        for stream, key in ((sys.stdout, "out"), (sys.stderr, "err")):
            text = reply.get(key)
            if isinstance(text, str) and text:
                stream.write(text[:MAX_PRINTS])  # the learner's side caps it too, but it is not trusted
        if "error" in reply:
            forged = forged_error(reply["error"])
            if forged:
                self.flag(forged)
            raise rebuild_exception(reply["error"])
        return value

    def _reply(self) -> tuple[dict, list]:
        """The answer to the request just sent; integrity notices the learner's side sends first
        (before a signal that may stop it) are taken on the way."""
        for _ in range(MAX_NOTICES):
            reply, got = wire.recv(self.sock)
            if set(reply) != {"integrity", "blobs"}:
                return reply, got
            if isinstance(reply["integrity"], str):
                self.flag(reply["integrity"])
        raise wire.WireError(f"more than {MAX_NOTICES} notices before an answer")

    def flag(self, reason: str) -> None:
        """Note that the run did what no honest answer does (a row flag in `kata grade`, never a verdict)."""
        reason = shown(" ".join(reason.split()), newlines=False)[:300]  # the sandbox's words: no escape codes
        if reason and reason not in self.flags and len(self.flags) < 20:
            self.flags.append(reason)
            if self.on_flag is not None:
                self.on_flag(reason)

    # -- operations the checks use -------------------------------------------------
    def load(self, source: str, name: str, forbid: dict | None = None,
             earlier: dict[str, list[str]] | None = None) -> "RemoteModule":
        self.tensors.clear()
        self.prints.clear()
        self.gens.clear()
        self.ids.clear()
        self.handles.clear()
        extra: dict = {"forbid": forbid} if forbid else {}
        if earlier:
            extra["earlier"] = earlier
        module = self.request("load", source=source, path=str(self.target), name=name, reset=True, **extra)
        if not isinstance(module, RemoteModule):
            raise LearnerProcessGone("the process running your code did not load it as a module")
        return module

    def backward(self, rid: int, deps: list[torch.Tensor], grad: torch.Tensor) -> list[torch.Tensor | None]:
        import torch  # loaded: a tensor is being differentiated

        dep_ids = [self.ids.get(id(d)) or key_of(self.tensors, d) for d in deps]
        with torch.no_grad():
            grads = self.request("backward", out=rid, deps=dep_ids, gradient=grad.detach().clone())
        if not isinstance(grads, list) or len(grads) != len(deps):
            raise LearnerProcessGone("the process running your code sent gradients that do not fit")
        return [None if g is None else g.detach().clone() for g in grads]



def _torch_changed(told: object) -> dict[str, object]:
    """The learner's process's report of the torch settings its module code changed (kata.torch_settings),
    read strictly: the judge only ever takes a flag and one of torch's dtype names from it. Else ValueError."""
    if not isinstance(told, dict) or set(told) - {"grad_off", "dtype"}:
        raise ValueError("a malformed report of torch's settings")
    if "grad_off" in told and told["grad_off"] is not True:
        raise ValueError("a malformed report of torch's grad mode")
    if "dtype" in told and told["dtype"] not in torch_settings.DTYPES:
        raise ValueError("a malformed report of torch's default dtype")
    return dict(told)
