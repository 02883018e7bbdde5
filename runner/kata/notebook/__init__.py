"""Notebooks as exercises: an `.ipynb` turned into the Python module the checks import.

A notebook is plain JSON, so this needs no jupytext and runs nothing. Each code
cell is copied in order under a marker line (`# %% [kata: cell N]`, N counting
every cell from 1, markdown included, as the learner sees them top to bottom), so
a line of the joined module maps back to "cell N, line M". IPython magics and
shell escapes (`%matplotlib inline`, `!pip install x`, a `%%bash` cell) are not
Python: they are left out (a `pass` or a comment in their place keeps the line
numbers) and listed, so the learner is told.

Where it runs: the check child converts the learner's notebook before compiling
it (`kata.plugin`), and judged mode converts it before sending it to the sandbox
(`kata.judge.fixture`); neither executes anything here. The CLI only reads a
notebook's JSON, capped at MAX_CLI_BYTES, to tell saves apart (`digest`), to pick
between a notebook and its jupytext-paired `.py` (`same_code`), and to list what
was left out. Writing notebooks (`kata init --notebooks`) uses jupytext.

The parts: `lines` (the marker lines and where a joined line came from), `convert` (cells to
Python), `reads` (the CLI's capped reads) and `write` (jupytext). Every name is importable from
`kata.notebook` itself.
"""

from kata.notebook.convert import Converted, NotebookError, cell_to_python, cells, to_python
from kata.notebook.lines import (MARKER, SUFFIX, compile_joined, describe_location, is_notebook, joined_source, location,
                                 register, tell_warnings_by_cell)
from kata.notebook.reads import MAX_CLI_BYTES, digest, left_out, left_out_note, read_capped, same_code
from kata.notebook.write import INSTALL_HINT, require_jupytext, stub_cells, write_notebook

__all__ = [
    "Converted", "NotebookError", "cell_to_python", "cells", "to_python",
    "MARKER", "SUFFIX", "compile_joined", "describe_location", "is_notebook", "joined_source", "location", "register", "tell_warnings_by_cell",
    "MAX_CLI_BYTES", "digest", "left_out", "left_out_note", "read_capped", "same_code",
    "INSTALL_HINT", "require_jupytext", "stub_cells", "write_notebook",
]
