"""kata.notebook (an .ipynb as the checked module, lines mapped to cells) and kata.watch.editor."""

from __future__ import annotations

import json
import linecache
from pathlib import Path

import pytest

from kata import notebook
from kata.watch.editor import editor_command, hyperlinks, supports_hyperlinks

REPO = Path(__file__).resolve().parents[2]


def nb(*cells) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "metadata": {}, "source": source} for kind, source in cells]})


def test_code_cells_are_joined_and_lines_map_back_to_cells(tmp_path):
    text = nb(("markdown", "# Title"), ("code", ["import math\n", "x = 1"]), ("raw", "raw"),
              ("code", "def f():\n    return math.pi\n"))
    converted = notebook.to_python(text)
    namespace: dict = {}
    path = str(tmp_path / "n.ipynb")
    notebook.register(path, converted.source)
    exec(compile(converted.source, path, "exec"), namespace)
    assert namespace["x"] == 1 and namespace["f"]() > 3
    lines = converted.source.splitlines()
    assert notebook.location(path, lines.index("    return math.pi") + 1) == (4, 2)
    assert notebook.location(path, lines.index("x = 1") + 1) == (2, 2)
    assert notebook.describe_location(path, lines.index("import math") + 1) == f"{path}, cell 2, line 1"
    assert notebook.describe_location("/x/a.py", 3, 4) == "/x/a.py:3:4"
    assert linecache.getline(path, lines.index("x = 1") + 1) == "x = 1\n"


def test_magics_and_shell_escapes_are_left_out_in_place():
    cell = ("%matplotlib inline\nimport os\nif True:\n    !ls\nfiles = !ls\nos.path?\n"
            "y = (10\n     % 3)\ns = '''\n!not a shell escape\n'''\nz = 1 != 2\n")
    converted = notebook.to_python(nb(("code", cell), ("code", "%%bash\necho hi\n")))
    assert converted.left_out == [(1, 1, "%matplotlib inline"), (1, 4, "!ls"), (1, 5, "files = !ls"),
                                  (1, 6, "os.path?"), (2, 1, "%%bash")]
    namespace: dict = {}
    exec(converted.source, namespace)  # valid Python, the modulo and the string kept
    assert namespace["y"] == 1 and "!not a shell escape" in namespace["s"] and namespace["z"] is True
    assert "    pass  # left out by kata: !ls" in converted.source
    assert "# echo hi" in converted.source


@pytest.mark.parametrize("text, says", [
    ("{ nope", "not valid JSON (line 1, column 3)"),
    ('{"worksheets": []}', "old nbformat 3"),
    ("[]", "no notebook cells"),
    ('{"cells": [{"cell_type": "code", "source": 3}]}', "cell 1 of this notebook has no readable source"),
])
def test_broken_notebooks_say_what_to_do(text, says):
    with pytest.raises(notebook.NotebookError, match=says.replace("(", r"\(").replace(")", r"\)")):
        notebook.to_python(text)


def test_digest_follows_code_not_outputs(tmp_path):
    path = tmp_path / "a.ipynb"
    data = json.loads(nb(("code", "x = 1")))
    path.write_text(json.dumps(data))
    before = notebook.digest(path)
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1"}]
    data["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "prose"})
    path.write_text(json.dumps(data))
    assert notebook.digest(path) == before
    data["cells"][0]["source"] = "x = 2"
    path.write_text(json.dumps(data))
    assert notebook.digest(path) != before
    assert notebook.digest(tmp_path / "missing.ipynb") == ""


def test_a_notebook_and_its_jupytext_pair_hold_the_same_code(tmp_path):
    pytest.importorskip("jupytext")
    stub = (REPO / "exercises" / "01_relu.py").read_text()
    ipynb, py = tmp_path / "01_relu.ipynb", tmp_path / "01_relu.py"
    notebook.write_notebook(stub, ipynb, py)
    cells = json.loads(ipynb.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code"]  # prose, relu, the demo
    assert notebook.same_code(py, ipynb)
    import jupytext

    nb_ = jupytext.read(ipynb)
    nb_.cells[1].source = "%load_ext kata\n" + nb_.cells[1].source  # jupytext comments magics out in .py
    ipynb.write_text(jupytext.writes(nb_, fmt="ipynb"))
    py.write_text(jupytext.writes(nb_, fmt="py:percent"))
    assert "# %load_ext kata" in py.read_text()
    assert notebook.same_code(py, ipynb)
    py.write_text(py.read_text().replace("raise NotImplementedError", "return max(x, 0.0)  #"))
    assert not notebook.same_code(py, ipynb)


def test_hyperlinks_keep_the_visible_location():
    text = "  /w/exercises/01_add.py:12 in add\n  /w/exercises/02.ipynb, cell 3, line 2 in f\n  no/relative.py:3"
    linked = hyperlinks(text)
    assert "\x1b]8;;file:///w/exercises/01_add.py#L12\x1b\\/w/exercises/01_add.py:12\x1b]8;;\x1b\\ in add" in linked
    assert "\x1b]8;;file:///w/exercises/02.ipynb\x1b\\/w/exercises/02.ipynb, cell 3, line 2\x1b]8;;" in linked
    assert linked.endswith("no/relative.py:3")
    assert supports_hyperlinks({"TERM_PROGRAM": "vscode"}) and supports_hyperlinks({"VTE_VERSION": "7600"})
    assert not supports_hyperlinks({"TERM": "xterm"}) and not supports_hyperlinks({"TERM_PROGRAM": "vscode",
                                                                                  "KATA_HYPERLINKS": "0"})


def test_which_editor_opens_exercises(tmp_path):
    code = tmp_path / "code"
    code.write_text("#!/bin/sh\n")
    code.chmod(0o755)
    assert editor_command(False, {"TERM_PROGRAM": "vscode", "PATH": str(tmp_path)}) == (["code", "-r"], "")
    assert editor_command(False, {"EDITOR": "vim", "PATH": ""}) == (None, "")
    assert editor_command(True, {"VISUAL": "subl -w", "EDITOR": "vim", "PATH": ""}) == (["subl", "-w"], "")
    command, note = editor_command(True, {"PATH": ""})
    assert command is None and "set $VISUAL or $EDITOR" in note
