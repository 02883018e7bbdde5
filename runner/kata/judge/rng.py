"""The random generators' state, carried with each call, so judge and learner share one stream.

In local mode a check and the learner's code draw from the same generators.
In judged mode they live in two processes; sending the state along with every
call that runs code keeps every draw where it would have been.
"""

from __future__ import annotations

import random
import sys
from typing import Any


def capture(blobs: list[bytes]) -> dict:
    state: dict[str, Any] = {}
    version, internal, gauss = random.getstate()
    state["py"] = [version, list(internal), gauss]
    torch = sys.modules.get("torch")
    if torch is not None:
        blobs.append(bytes(torch.get_rng_state().numpy().tobytes()))
        state["torch"] = len(blobs) - 1
    numpy = sys.modules.get("numpy")
    if numpy is not None and "numpy.random" in sys.modules:
        name, keys, pos, has_gauss, cached = numpy.random.get_state()
        state["np"] = [name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]
    return state


def restore(state: Any, blobs: list[bytes]) -> None:
    """Set the generators from `state`; anything malformed raises ValueError or TypeError."""
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
