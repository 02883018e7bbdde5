"""The heavy libraries a warm worker imports before forking, so each check child starts with them.

Importing is fork-safe, computing is not, and none of these computes at import. The worker
preloads what a check module imports (read by the client) and what targets turned out to
import; a child imports a library its target names that the worker had not loaded yet, before
its memory cap (`kata.engine.child`), and tells the worker, which preloads it from then on.
"""

from __future__ import annotations

import sys
from typing import Iterable

PRELOADABLE = ("numpy", "torch", "einops", "jaxtyping", "torchvision", "tqdm", "sklearn", "hypothesis")
# Libraries that kata's own helpers pull in beside one of the above (kata.expect checks
# jaxtyping annotations with beartype, whose import alone costs ~0.2 s per child).
# numpy 2 loads numpy.random lazily, on the first seeding; einops loads its torch backend on
# first use. Loaded in the worker, they cost the children nothing (~10 ms a run otherwise).
COMPANIONS = {
    "jaxtyping": ("beartype", "kata.feedback.shapecheck"),
    "numpy": ("numpy.random",),
    "einops": ("einops._torch_specific",),
    "hypothesis": ("hypothesis.extra.numpy",),  # the second course's property-based checks: ~half of each run
}


def preload(names: Iterable[str]) -> bool:
    """Import the heavy libraries among `names` with their companions; True when any was new.

    A library that another one imported (numpy, by torch) gets its companions too: the plugin
    seeds numpy's generator in every step, and numpy.random loaded in a child costs 20-80 ms.
    """
    loaded = len(sys.modules)
    _import([name for name in names if name in PRELOADABLE])
    _import([c for name in PRELOADABLE if name in sys.modules for c in COMPANIONS.get(name, ())])
    return len(sys.modules) != loaded


def _import(names: list[str]) -> None:
    for name in names:
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except Exception:  # a missing or broken library shows up in the check itself
            pass
