"""Where an editor should underline a notebook's line: on its jupytext `.py` twin, or in the notebook's file.

A failure says `path, cell N, line M`. A problem matcher (`kata check --format gcc`) needs a file
and a line; VS Code cannot address a notebook cell from a task's output (a cell's URI holds a
handle only the open editor knows), so:

1. when the notebook has a `.py` twin that jupytext pairs with it and that holds the same code
   (`kata.notebook.pair`), the line is the twin's: its Nth `# %%` cell, M lines in, which VS Code
   opens as text at that line;
2. else the line of the notebook's own file where cell N's Mth source line is written (the JSON,
   as Jupyter and VS Code save it: one source line a line), which a text editor, `git diff` or a
   CI annotation shows; the message keeps "cell N, line M" for the notebook editor.

None when neither can be found (then the caller keeps line 1 of the notebook).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kata.notebook.convert import NotebookError, cells
from kata.notebook.pair import paired
from kata.notebook.reads import read_capped, same_code

_PERCENT = re.compile(r"^# %%(?:\s|$)")
_CELL_TYPE = re.compile(r'(?<!\\)"cell_type"\s*:')
_SOURCE = re.compile(r'(?<!\\)"source"\s*:')


def editor_place(notebook: Path, cell: int, line: int) -> tuple[Path, int] | None:
    """(file, line) to underline for line `line` of cell `cell` of `notebook`, or None."""
    twin = notebook.with_suffix(".py")
    if twin.is_file() and paired(notebook, twin) and same_code(notebook, twin):
        found = twin_line(twin, cell, line)
        if found is not None:
            return twin, found
    found = json_line(notebook, cell, line)
    return (notebook, found) if found is not None else None


def twin_line(twin: Path, cell: int, line: int) -> int | None:
    """The line of a jupytext percent-format `.py` holding line `line` of its `cell`th cell."""
    data = read_capped(twin)
    if data is None:
        return None
    markers = [at for at, text in enumerate(data.decode("utf-8", "replace").splitlines(), start=1)
               if _PERCENT.match(text)]
    if not 1 <= cell <= len(markers):
        return None
    return markers[cell - 1] + line


def json_line(notebook: Path, cell: int, line: int) -> int | None:
    """The line of the notebook's file where line `line` of its `cell`th cell's source is written."""
    data = read_capped(notebook)
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    try:
        found = cells(data)
    except NotebookError:
        return None
    if not 1 <= cell <= len(found):
        return None
    wanted = found[cell - 1][2].splitlines()
    if not 1 <= line <= len(wanted):
        return None
    starts = [m.start() for m in _CELL_TYPE.finditer(text)]
    if len(starts) != len(found):
        return None  # a layout this reading does not know: no line rather than a wrong one
    begin = starts[cell - 1]
    end = starts[cell] if cell < len(starts) else len(text)
    source = _SOURCE.search(text, begin, end)
    if source is None:
        return None
    # the JSON string's opening quote and text, without its end, as Jupyter (UTF-8) or another writer (\\u) has it
    encoded = {json.dumps(wanted[line - 1], ensure_ascii=ascii)[:-1] for ascii in (False, True)}
    lines = text[:end].splitlines()
    first = text.count("\n", 0, source.start())  # 0-based line of the `"source":` key
    for at in (first + line, first + line - 1):  # one element a line after `"source": [`, or on the key's line
        if at < len(lines) and any(e in lines[at] for e in encoded):
            return at + 1
    return first + 1  # the source is one string, not a list of lines: its key's line
