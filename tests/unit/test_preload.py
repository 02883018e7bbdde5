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


@pytest.mark.parametrize("source, uses", [
    ("import torch\n\ndef test_a():\n    torch.testing.assert_close(1, 1)\n", True),
    ("import torch as t\n\ndef test_a():\n    t.testing.assert_close(1, 1)\n", True),
    ("from torch.testing import assert_close\n", True),
    ("import torch.nn\n\ndef test_a():\n    torch.testing.assert_close(1, 1)\n", True),
    ("from torch import testing\n", True),
    ("import torch.testing\n", True),
    ("import torch\nfrom kata.expect import assert_close\n", False),  # kata's own comparison imports nothing late
    ("import torch\n\ndef test_a():\n    assert torch.equal(torch.ones(1), torch.ones(1))\n", False),
    ("import numpy as np\nimport torch\n\ndef test_a():\n    np.testing.assert_allclose(1, 1)\n", False),  # numpy's
])
def test_a_check_module_using_torch_testing_asks_for_its_first_call_imports(tmp_path, source, uses):
    from kata.engine.client import imported_libraries

    check = tmp_path / "test_01_a.py"
    check.write_text(source)
    found = imported_libraries(check)
    assert ("torch.testing" in found) is uses, found
    assert "torch" in found or "import torch" not in source


def test_the_worker_side_preload_makes_assert_close_s_first_call_import_nothing():
    """torch.testing.assert_close imports torch.distributed.tensor (and sympy) on its first call: preloaded
    with `torch.testing` named, a forked check child's first comparison imports no module."""
    import subprocess
    import sys

    code = ("import sys, torch\nfrom kata.preload import preload\npreload(['torch', 'torch.testing'])\n"
            "before = set(sys.modules)\ntorch.testing.assert_close(torch.ones(2), torch.ones(2))\n"
            "print(sorted(set(sys.modules) - before))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout[:2000]


def test_a_manifests_own_preload_list_still_gets_the_first_call_imports(tmp_path):
    from kata.course import load_course
    from kata.engine.client import CheckRequest

    for kind in ("exercises", "checks", "solutions"):
        (tmp_path / kind).mkdir()
    (tmp_path / "kata.toml").write_text('format_version = 1\nname = "c"\ntitle = "C"\n\n[[exercise]]\nname = "a"\n'
                                        'title = "A"\nhints = ["h"]\npreload = ["torch"]\n')
    (tmp_path / "exercises" / "01_a.py").write_text("def a():\n    raise NotImplementedError\n")
    (tmp_path / "solutions" / "01_a.py").write_text("def a():\n    return 1\n")
    (tmp_path / "checks" / "test_01_a.py").write_text(
        "import torch\n\ndef test_a(exercise):\n    torch.testing.assert_close(exercise.a(), 1)\n")
    ex = load_course(tmp_path).find("01")
    request = CheckRequest(ex, tmp_path / "solutions" / "01_a.py").run_request()
    assert request.preload == ("torch", "torch.testing")
