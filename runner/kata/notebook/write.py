"""Writing notebooks (`kata init --notebooks`): a stub as cells, through jupytext (an optional extra).

A stub's own `# %%` cells are kept; otherwise its leading comment becomes markdown and each
top-level function, class or `if` block a code cell, so a failure's cell number says which part.
"""

from __future__ import annotations

import os
from pathlib import Path

INSTALL_HINT = "Install kata's notebook support: `pip install 'kata[notebook]'` (jupytext, nbclient, ipykernel)."


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
