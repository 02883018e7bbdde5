"""Rewrites the learner process's own answers to the judge: the protocol itself as the attack.

The learner's process is ours, `kata.judge.sandboxed.server` included. At import this file wraps
`kata.judge.wire.send` there, so every frame the judge reads is one we chose, not what the server
would have said. Each call of scale/mean/nudge picks the next forgery:

- errors that name exceptions the trusted side rebuilds as its own class and that pytest or kata's
  plugin treat specially: KeyboardInterrupt, SystemExit, GeneratorExit, BaseException, kata's own
  BaseException (`kata.plugin.rerun._Overtime`), with a `told` message claiming a pass;
- a handle that claims to be a torch module (`isinstance` answered from its class name), kind
  "module";
- a fake `died` (as if the zygote said so), with the right-looking value beside it;
- a tensor that claims the id of the check's own input, reshaped (rebinding the check's tensor);
- nesting past the trusted side's limits, a frame over the size cap, a malformed sync, random
  generators' states that are all zeros;
- on the load answer: every preloadable library, and names that are not, as the file's imports
  (the worker asks the sandbox to import them before the next submission's run).

None of it may pass a step, and the submissions graded after this one must get their verdicts.
"""
import json
import struct
import sys

PRELOADABLE = ["numpy", "torch", "einops", "jaxtyping", "torchvision", "tqdm", "sklearn", "hypothesis",
               "antigravity", "this", "os; import antigravity", "../../tmp/x", "idlelib.idle"]
_state = sys.modules.setdefault("kata_attack_forge_state", type(sys)("kata_attack_forge_state"))
if not hasattr(_state, "counts"):
    _state.counts = {}
    _state.pending = None
    _state.judge_ids = []


def _error(name, module, **extra):
    info = {"type": name, "module": module, "bases": ["BaseException"], "message": "step passed",
            "frames": [], "told": "passed", **extra}
    return {"error": info}


def _nested(depth):
    value = 0
    for _ in range(depth):
        value = {"t": "list", "v": [value]}
    return value


FORGERIES = {  # per function, one per step; the ones that end the channel come last
    "scale": [
        lambda ids: _error("KeyboardInterrupt", "builtins"),
        lambda ids: _error("SystemExit", "builtins", code="0"),
        lambda ids: _error("GeneratorExit", "builtins"),
        lambda ids: {"value": {"t": "tensor", "id": ids[0] if ids else -1, "dtype": "float32", "shape": [0],
                               "b": 0, "rg": False}, "_blobs": [b""]},
    ],
    "mean": [
        lambda ids: _error("_Overtime", "kata.plugin.rerun"),
        lambda ids: {"value": {"t": "h", "id": 987654, "cls": ["torch.nn.modules.module", "Module"],
                               "kind": "module"}, "rng": {"py": [3, [0] * 624 + [624], None]}},
        lambda ids: {"died": {"code": 0}, "value": 1.5},
    ],
    "nudge": [
        lambda ids: _error("BaseException", "builtins", bases=["BaseException"]),
        lambda ids: {"value": _nested(5000)},
    ],
}
LATER = [  # what a step gets when its function's list is used up: malformed frames
    lambda ids: {"value": 1.0, "sync": "everything"},
    lambda ids: {"_raw": struct.pack("!II", 64 * 1024 * 1024, 0)},
]


def _judge_tensor_ids(header):
    found = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("t") == "tensor" and type(value.get("id")) is int and value["id"] < 0:
                found.append(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(header.get("args"))
    return found


def _install():
    try:
        from kata.judge import wire
    except Exception:
        return
    if getattr(wire, "_kata_attack", False):
        return
    send, recv = wire.send, wire.recv

    def forged_recv(sock):
        header, blobs = recv(sock)
        if header.get("op") == "call":
            _state.judge_ids = _judge_tensor_ids(header)
        return header, blobs

    def forged_send(sock, header, blobs=None):
        value = header.get("value")
        if isinstance(value, dict) and value.get("t") == "h" and value.get("kind") == "module":  # the load answer
            header = dict(header, imports=PRELOADABLE)
        pending, _state.pending = _state.pending, None
        if pending is None:
            return send(sock, header, blobs)
        forged = pending(_state.judge_ids)
        if "_raw" in forged:
            sock.sendall(forged["_raw"])
            return None
        extra = forged.pop("_blobs", None)
        return send(sock, forged, extra if extra is not None else [])

    wire.send, wire.recv = forged_send, forged_recv
    wire._kata_attack = True


_install()


def _next(name):
    done = _state.counts.get(name, 0)
    _state.counts[name] = done + 1
    plan = FORGERIES[name]
    _state.pending = plan[done] if done < len(plan) else LATER[(done - len(plan)) % len(LATER)]


def scale(x, k):
    _next("scale")


def mean(values):
    _next("mean")
    return 0.0


def nudge(x, lr):
    _next("nudge")
