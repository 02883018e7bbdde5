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
"""

from __future__ import annotations

import hashlib
import json
import linecache
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

SUFFIX = ".ipynb"
MAX_CLI_BYTES = 16 * 1024 * 1024  # what the CLI reads of a notebook; outputs (plots) make them big
MARKER = "# %% [kata: cell {}]"
_MARKER = re.compile(r"^# %% \[kata: cell (\d+)\]$")
# At the start of a statement: `%magic`, `!shell`, `x = %magic`, `x = !shell`, `?name`, `name?`.
_MAGIC = re.compile(r"^(?:[%!?]|[\w.\[\], ]+?\s*=\s*[%!](?!=)|[\w.]+\?\??\s*$)")
INSTALL_HINT = "Install kata's notebook support: `pip install 'kata[notebook]'` (jupytext, nbclient, ipykernel)."


class NotebookError(ValueError):
    """The file is not a notebook kata can read; the message says what to do."""


@dataclass
class Converted:
    """A notebook as Python: the joined source, and each line left out as (cell, line, text)."""

    source: str
    left_out: list[tuple[int, int, str]] = field(default_factory=list)


def is_notebook(path: str | os.PathLike) -> bool:
    return os.fspath(path).endswith(SUFFIX)


def cells(text: str | bytes) -> list[tuple[int, str, str]]:
    """(number, cell_type, source) of every cell, numbered from 1. Raises NotebookError."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise NotebookError(f"this notebook is not valid JSON{where}: open it in Jupyter or VS Code and "
                            "save it again, or `kata reset` it.") from None
    raw = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        old = isinstance(data, dict) and "worksheets" in data
        raise NotebookError("this notebook is in the old nbformat 3; save it again in Jupyter to update it."
                            if old else "this file has no notebook cells (no \"cells\" list).")
    found = []
    for number, cell in enumerate(raw, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {number} of this notebook is not a cell.")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"cell {number} of this notebook has no readable source.")
        found.append((number, str(cell.get("cell_type", "")), source))
    return found


def to_python(text: str | bytes) -> Converted:
    """The notebook's code cells joined into one module, magics left out. Raises NotebookError."""
    out: list[str] = []
    left: list[tuple[int, int, str]] = []
    for number, kind, source in cells(text):
        if kind != "code":
            continue
        out.append(MARKER.format(number))
        lines = source.splitlines()
        first = next((line for line in lines if line.strip()), "")
        if first.lstrip().startswith("%%"):  # a cell magic: its body is not Python (or not only)
            left.append((number, lines.index(first) + 1, first.strip()))
            out.extend(f"# {line}" if line.strip() else "" for line in lines)
        else:
            out.extend(_without_magics(lines, number, left))
        out.append("")
    return Converted("\n".join(out) + "\n", left)


def cell_to_python(source: str) -> Converted:
    """One cell's code (`%%kata`), its magics and shell escapes left out, lines kept in place."""
    left: list[tuple[int, int, str]] = []
    lines = source.splitlines()
    return Converted("\n".join(_without_magics(lines, 1, left)) + "\n", left)


def _without_magics(lines: list[str], cell: int, left: list[tuple[int, int, str]]) -> list[str]:
    """`lines` with each magic or shell escape that starts a statement replaced by `pass`."""
    kept = []
    scanner = _Scanner()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if scanner.at_statement_start() and stripped and _MAGIC.match(stripped) and not stripped.startswith("!="):
            left.append((cell, number, stripped))
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}pass  # left out by kata: {stripped}"
        scanner.feed(line)
        kept.append(line)
    return kept


class _Scanner:
    """Just enough of Python's lexing to know whether a line starts a statement: open brackets,
    strings running over lines, backslash continuations. Never parses or runs anything."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.continued = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            char = line[i]
            if self.quote is not None:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = None
                    continue
                i += 1
                continue
            if char == "#":
                break
            if char in "'\"":
                self.quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else char
                i += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        ends_in_backslash = line.rstrip("\r\n").endswith("\\")
        if self.quote in ("'", '"') and not ends_in_backslash:
            self.quote = None  # an unterminated one-line string: a syntax error Python will report
        self.continued = ends_in_backslash and self.quote is None


# ---- where a line of the joined module came from ----

def register(path: str | os.PathLike, source: str) -> None:
    """Let tracebacks and kata's feedback read the joined module's lines for `path` (not its JSON).
    An entry without a modification time is never dropped by `linecache.checkcache`."""
    name = os.fspath(path)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)


def compile_joined(source: str, filename: str):
    """Compile a joined module as `filename`. A syntax error is told from the joined lines: Python
    would quote (and count columns in) the line of the notebook's JSON with that number."""
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError:
        pass
    try:
        compile(source, "<notebook>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        exc.filename = filename
        raise
    return compile(source, filename, "exec", dont_inherit=True)  # not reached: the same source fails again


def location(filename: str, lineno: int | None) -> tuple[int, int] | None:
    """(cell, line in that cell) of line `lineno` of a notebook's joined module, or None."""
    if not lineno or not is_notebook(filename):
        return None
    entry = linecache.cache.get(filename)
    if not entry or len(entry) != 4 or entry[1] is not None:  # not a joined module registered above
        return None
    lines = entry[2]
    for index in range(min(lineno, len(lines)) - 1, -1, -1):
        found = _MARKER.match(lines[index].rstrip("\r\n"))
        if found:
            return int(found.group(1)), max(lineno - index - 1, 1)
    return None


def describe_location(filename: str, lineno: int | None, col: int | None = None) -> str:
    """`path:line` (`path:line:col`), or for a notebook `path, cell N, line M` (`, column C`)."""
    where = location(filename, lineno)
    if where is None:
        return f"{filename}:{lineno}" + (f":{col}" if col else "")
    return f"{filename}, cell {where[0]}, line {where[1]}" + (f", column {col}" if col else "")


def joined_source(path: str | os.PathLike) -> str | None:
    """The joined module registered for `path` (None when there is none)."""
    entry = linecache.cache.get(os.fspath(path))
    if entry and len(entry) == 4 and entry[1] is None:
        return "".join(entry[2])
    return None


# ---- the CLI's reads: capped, JSON only ----

def read_capped(path: Path, cap: int = MAX_CLI_BYTES) -> bytes | None:
    """A plain file's bytes, without following a symlink's FIFO or reading past `cap`; None if not."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= cap else None


def digest(path: Path) -> str:
    """What identifies the content a check would see: for a notebook, its code cells only (a save
    that changed only outputs or markdown is not new code); for any other file, all of it."""
    data = read_capped(path)
    if data is None:
        return ""
    if is_notebook(path):
        try:
            code = "\x00".join(source for _, kind, source in cells(data) if kind == "code")
        except NotebookError:
            return "bad:" + hashlib.sha256(data).hexdigest()
        return "ipynb:" + hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _code_lines(path: Path) -> list[str] | None:
    """The lines that are code, in order: no blank or comment lines, no magics (commented out in a
    jupytext `.py`, left out of a notebook), no markdown. A notebook and its paired `.py` agree."""
    data = read_capped(path)
    if data is None:
        return None
    if is_notebook(path):
        try:
            text = "\n".join(source for _, kind, source in cells(data) if kind == "code")
        except NotebookError:
            return None
    else:
        text = data.decode("utf-8", "replace")
    return [line.rstrip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "%", "!"))]


def same_code(one: Path, other: Path) -> bool:
    """True when the two files hold the same code (a notebook and its jupytext pair after a save)."""
    a, b = _code_lines(one), _code_lines(other)
    return a is not None and a == b


def left_out(path: Path) -> list[tuple[int, int, str]]:
    """What checking the notebook at `path` leaves out, as (cell, line, text)."""
    data = read_capped(path)
    if data is None or not is_notebook(path):
        return []
    try:
        return to_python(data).left_out
    except NotebookError:
        return []


def left_out_note(path: Path, label: str | None = None) -> str | None:
    """One line for the learner: which magics and shell escapes the check left out."""
    found = left_out(path)
    if not found:
        return None
    shown = ", ".join(f"cell {cell} line {line} `{text[:40]}`" for cell, line, text in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (f"note: {label or path.name}: {shown}{more} left out of the check "
            "(IPython magics and shell escapes run only in Jupyter).")


# ---- writing notebooks (jupytext) ----

def require_jupytext():
    try:
        import jupytext  # noqa: F401
    except ImportError:
        from kata.errors import KataError

        raise KataError("Writing notebooks needs jupytext, which is not installed.", INSTALL_HINT) from None
    return jupytext


def stub_cells(text: str) -> list[tuple[str, str]]:
    """A stub split into (cell_type, source) cells: its own `# %%` cells when it has several;
    otherwise its leading comment as markdown, then one code cell per top-level function, class or
    `if` block (with the comments right above it), so a failure's cell number says which part."""
    lines = text.splitlines()
    markers = [i for i, line in enumerate(lines) if line.startswith("# %%")]
    if len(markers) > 1:
        cuts = markers
    else:
        import ast

        try:
            tree = ast.parse(text)
        except SyntaxError:
            tree = None
        cuts = [0]
        for node in (tree.body if tree is not None else []):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If)):
                continue
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#") and not lines[start - 1].startswith("# %%"):
                start -= 1
            if start > cuts[-1]:
                cuts.append(start)
    found: list[tuple[str, str]] = []
    for begin, end in zip(cuts, cuts[1:] + [len(lines)]):
        chunk = lines[begin:end]
        kind = "code"
        if chunk and chunk[0].startswith("# %%"):
            kind = "markdown" if "[markdown]" in chunk[0] else "code"
            chunk = chunk[1:]
        body = "\n".join(chunk).strip("\n")
        if not body.strip():
            continue
        if kind == "code":
            head = [line for line in body.splitlines()]
            lead = 0
            while lead < len(head) and (head[lead].startswith("#") or not head[lead].strip()):
                lead += 1
            if not found and lead and lead < len(head) and all(not h.strip() or h.startswith("#") for h in head[:lead]):
                found.append(("markdown", _uncomment(head[:lead])))
                body = "\n".join(head[lead:]).strip("\n")
            elif lead == len(head):  # only comments: prose
                found.append(("markdown", _uncomment(head)))
                continue
        elif kind == "markdown":
            body = _uncomment(body.splitlines())
        found.append((kind, body))
    return found


def _uncomment(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines).strip("\n")


def write_notebook(text: str, dest: Path, paired: Path | None = None, write_pair: bool = True) -> None:
    """Write `text` (a stub or a learner's `.py`) as the notebook `dest`, paired through jupytext
    with the `py:percent` file `paired` when given, which is written too unless `write_pair` is
    False (a learner's existing `.py`). Each file is written atomically, the notebook first."""
    jupytext = require_jupytext()
    from nbformat import v4

    nb = v4.new_notebook(cells=[v4.new_markdown_cell(body) if kind == "markdown" else v4.new_code_cell(body)
                                for kind, body in stub_cells(text)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    if paired is not None:
        nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    for path, fmt in ((dest, "ipynb"), (paired if write_pair else None, "py:percent")):  # as jupytext saves
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.kata-tmp")
        tmp.write_text(jupytext.writes(nb, fmt=fmt), encoding="utf-8")
        os.replace(tmp, path)
