"""kata.preload.named_libraries: the heavy libraries a learner's file names, read alike by the check
child and by the learner's process in the judge's sandbox (each loads them before its memory cap)."""

from __future__ import annotations

import pytest

from kata.preload import MAX_SCAN_BYTES, PRELOADABLE, named_libraries


@pytest.mark.parametrize("source, expected", [
    (b"import torch\n", ["torch"]),
    (b"import torch.nn.functional as F\n", ["torch"]),
    (b"from torch import nn\n", ["torch"]),
    (b"from einops import rearrange\nimport numpy as np\n", ["einops", "numpy"]),
    (b"import os, torch, numpy\n", ["numpy", "torch"]),
    (b"def f():\n    import torch\n    return torch.ones(1)\n", ["torch"]),  # inside a function
    (b"class A:\n\tdef f(self):\n\t\tfrom jaxtyping import Float\n", ["jaxtyping"]),  # tabs
    (b"import os\nimport math\n", []),  # not heavy: never preloaded
    (b"x = 'import torch'\n", []),  # not an import line
    (b"# import torch\n", []),
    (b"import torchaudio\n", []),  # a prefix of a name is not the name
    (b"", []),
])
def test_the_import_lines_name_the_libraries(source, expected):
    assert named_libraries(source) == expected


def test_only_preloadable_names_come_back():
    source = b"".join(f"import {name}\n".encode() for name in (*PRELOADABLE, "requests", "os"))
    assert named_libraries(source) == sorted(PRELOADABLE)


def test_a_huge_file_is_read_only_so_far():
    source = b"x = 1\n" * (MAX_SCAN_BYTES // 6 + 1) + b"import torch\n"
    assert named_libraries(source) == []
