"""The random generators' state, carried between judge and learner, so they share one stream.

In local mode a check and the learner's code draw from the same generators.
In judged mode they live in two processes; the state travels with a message
whenever it changed since the other side last saw it, which keeps every draw
where it would have been without sending 7 KB with every attribute read.
"""

from __future__ import annotations

import random
import sys
from typing import Any

Snapshot = tuple


def snapshot() -> Snapshot:
    """The state of Python's, torch's and numpy's global generators (those that are loaded)."""
    torch = sys.modules.get("torch")
    numpy_state = None
    if "numpy.random" in sys.modules:
        name, keys, pos, has_gauss, cached = sys.modules["numpy"].random.get_state()
        numpy_state = (name, keys.tobytes(), int(pos), int(has_gauss), float(cached))
    return (random.getstate(), bytes(torch.get_rng_state().numpy()) if torch is not None else None, numpy_state)


def encode(snap: Snapshot, blobs: list[bytes]) -> dict:
    (version, internal, gauss), torch_state, numpy_state = snap
    state: dict[str, Any] = {"py": [version, list(internal), gauss]}
    if torch_state is not None:
        blobs.append(torch_state)
        state["torch"] = len(blobs) - 1
    if numpy_state is not None:
        import numpy

        name, keys, pos, has_gauss, cached = numpy_state
        state["np"] = [name, numpy.frombuffer(keys, dtype=numpy.uint32).tolist(), pos, has_gauss, cached]
    return state


def restore(state: Any, blobs: list[bytes]) -> Snapshot:
    """Set the generators from `state`; returns the snapshot now in force. Malformed: ValueError/TypeError."""
    if not isinstance(state, dict):
        raise ValueError("the random state is not an object")
    if "py" in state:
        version, internal, gauss = state["py"]
        if not (isinstance(internal, list) and len(internal) == 625 and all(type(i) is int for i in internal)):
            raise ValueError("a malformed Python random state")
        random.setstate((int(version), tuple(internal), None if gauss is None else float(gauss)))
    torch = sys.modules.get("torch")
    if torch is not None and "torch" in state:
        data = blobs[int(state["torch"])]
        if len(data) != torch.get_rng_state().numel():
            raise ValueError("a malformed torch random state")
        torch.set_rng_state(torch.frombuffer(bytearray(data), dtype=torch.uint8).clone())
    numpy = sys.modules.get("numpy")
    if numpy is not None and "np" in state:
        import numpy.random  # noqa: F401

        name, keys, pos, has_gauss, cached = state["np"]
        if name != "MT19937" or not isinstance(keys, list) or len(keys) != 624:
            raise ValueError("a malformed numpy random state")
        numpy.random.set_state((name, numpy.array(keys, dtype=numpy.uint32), int(pos), int(has_gauss), float(cached)))
    return snapshot()
