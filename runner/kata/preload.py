"""The heavy libraries a warm worker imports before forking, so each check child starts with them.

Importing is fork-safe, computing is not, and none of these computes at import. The worker
preloads what a check module imports (read by the client) and what targets turned out to
import; a child imports a library its target names that the worker had not loaded yet, before
its memory cap (`kata.engine.child`), and tells the worker, which preloads it from then on.
"""

from __future__ import annotations

import gc
import re
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
# What a function imports on its first call, too slow to pay in every child, keyed by the module a
# course's check module reaches it through (`kata.engine.client.imported_libraries` reads that).
# torch.testing.assert_close imports torch.distributed.tensor, and with it sympy (~500 modules), on
# its first call: 0.5-0.7 s in each child that compares with it, once in the worker instead.
FIRST_CALL = {
    "torch.testing": ("torch.distributed.tensor",),
}


MAX_SCAN_BYTES = 16 * 1024 * 1024  # a learner's file is read this far for import lines
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import[ \t]+([^\n#;]+)|from[ \t]+([\w.]+)[ \t]+import\b)", re.M)


def named_libraries(source: bytes) -> list[str]:
    """The preloadable libraries that `source`'s import lines name, at any indent.

    A regular expression over the bytes, not a parse: cheap, bounded, and the same wherever a
    learner's file is read (the check child in `kata.engine.child`, the learner's process in the
    judge's sandbox), so both sides load the same libraries before their memory caps. A name it
    misses is imported by the learner's code as usual, under the cap.
    """
    found: set[str] = set()
    for match in _IMPORT_LINE.finditer(source[:MAX_SCAN_BYTES]):
        modules = match[1].split(b",") if match[1] else [match[2]]
        for module in modules:
            words = module.split()
            if words:
                found.add(words[0].split(b".")[0].decode("ascii", "replace"))
    return sorted(found & set(PRELOADABLE))


def preload(names: Iterable[str]) -> bool:
    """Import the heavy libraries among `names` with their companions, and what the first call
    through a `FIRST_CALL` module among them would import; True when any was new.

    A library that another one imported (numpy, by torch) gets its companions too: the plugin
    seeds numpy's generator in every step, and numpy.random loaded in a child costs 20-80 ms.
    """
    loaded = len(sys.modules)
    names = list(names)
    collecting = gc.isenabled()
    gc.disable()  # importing torch allocates ~1M objects, few of them garbage: ~10% of its import time in gc
    try:
        _import([name for name in names if name in PRELOADABLE])
        _import([c for name in PRELOADABLE if name in sys.modules for c in COMPANIONS.get(name, ())])
        _import([c for name in names if name in FIRST_CALL and name in sys.modules for c in FIRST_CALL[name]])
    finally:
        if collecting:
            gc.enable()
    return len(sys.modules) != loaded


def _import(names: list[str]) -> None:
    for name in names:
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except Exception:  # a missing or broken library shows up in the check itself
            pass
