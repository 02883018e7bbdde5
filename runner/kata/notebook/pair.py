"""Which file of a notebook and its `.py` twin holds "the learner's code for exercise K".

One rule for every route (`kata check`, `watch`, the magic, `kata grade` here and on Dask), decided
by the files' content and jupytext's pairing metadata, never by their timestamps: `git clone`,
`cp -r`, an unzip or a sync tool give both files new times in any order, and a rule that followed
them graded a solved workspace from its stale stub twin, silently.

1. Only one of the two exists: that one.
2. Both hold the same code (a Jupyter save through jupytext): the notebook.
3. One still holds the exercise's stub and the other does not: the other. A notebook saved without
   jupytext (VS Code's notebook editor) or a `.py` edited as text leaves its twin as it was.
4. Both were changed, differently, and kata remembers the code each held when it last chose (a
   workspace's `.kata/pairs.json`, content digests, copied with the workspace): the one whose code
   changed since; if neither did, the one chosen then. So a Jupyter save through jupytext (the
   notebook written a moment before its `.py`) checks the notebook, and a `.py` edited as text
   afterwards checks the `.py`, as they happen.
5. Otherwise (nothing remembered, or both changed since): the notebook, the learner's file. A save
   through jupytext writes the notebook first, so a watch that sees both changed at once sees a
   notebook save whose `.py` is on its way.

Jupytext's pairing metadata (either file's header naming the other's format) says whether the two
are twins at all; the note says so, since a `.py` that is not the notebook's twin is another file.

Whenever the two differ, the choice says so (`Choice.note`), so a verdict names the file it checked
and that the other holds other code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kata.notebook.reads import code_lines, read_capped


@dataclass(frozen=True)
class Choice:
    path: Path  # the file checked
    other: Path | None = None  # its twin, when the twin exists and holds other code
    why: str = ""  # the rule that chose, in words

    @property
    def note(self) -> str | None:
        """One line for the verdict, or None when there is nothing to tell."""
        if self.other is None:
            return None
        return (f"note: checked {self.path.name}; {self.other.name} holds other code and was not checked "
                f"({self.why}). Make the two the same (save the notebook with jupytext, or delete the one "
                "you do not use) to be sure which is checked.")


def choose(notebook: Path | None, py: Path | None, stub: Path | None, seen: dict | None = None) -> Choice | None:
    """The file of the pair that holds the learner's code; None when neither exists. `seen` is what
    was remembered of the pair (rule 4), updated in place with what was found now."""
    have_nb = notebook is not None and notebook.is_file()
    have_py = py is not None and py.is_file()
    if not have_nb or not have_py:
        found = notebook if have_nb else py if have_py else None
        return Choice(found) if found is not None else None
    assert notebook is not None and py is not None
    nb_code, py_code = code_lines(notebook), code_lines(py)
    choice = _by_content(notebook, py, nb_code, py_code, stub, seen or {})
    if seen is not None:
        seen.clear()
        seen.update(ipynb=_digest(nb_code), py=_digest(py_code), chose="py" if choice.path == py else "ipynb")
    return choice


def _by_content(notebook: Path, py: Path, nb_code: list[str] | None, py_code: list[str] | None, stub: Path | None,
                seen: dict) -> Choice:
    if nb_code is not None and nb_code == py_code:
        return Choice(notebook)
    stub_code = code_lines(stub) if stub is not None and stub.is_file() else None
    if stub_code is not None and nb_code == stub_code and py_code != stub_code:
        return Choice(py, notebook, f"{notebook.name} still holds the exercise's stub")
    if stub_code is not None and py_code == stub_code and nb_code != stub_code:
        return Choice(notebook, py, f"{py.name} still holds the exercise's stub")
    nb_new, py_new = _digest(nb_code) != seen.get("ipynb"), _digest(py_code) != seen.get("py")
    if seen and nb_new != py_new:
        edited, other = (notebook, py) if nb_new else (py, notebook)
        return Choice(edited, other, f"{edited.name} is the one edited since kata last looked")
    if seen and not nb_new and seen.get("chose") in ("ipynb", "py"):
        kept, other = (notebook, py) if seen["chose"] == "ipynb" else (py, notebook)
        return Choice(kept, other, f"{kept.name} was the one edited when kata last looked")
    if paired(notebook, py):
        return Choice(notebook, py, "both changed and kata cannot tell which you edited last: the notebook "
                                    "is yours")
    return Choice(notebook, py, f"jupytext does not pair them: {py.name} is another file")


def _digest(code: list[str] | None) -> str:
    return "" if code is None else hashlib.sha256("\n".join(code).encode("utf-8", "replace")).hexdigest()


def paired(notebook: Path, py: Path) -> bool:
    """True when jupytext's metadata pairs the two: the notebook's `jupytext.formats` or the `.py`'s
    header names both an ipynb and a py format."""
    data = read_capped(notebook)
    if data is not None:
        try:
            meta = json.loads(data).get("metadata", {})
            formats = meta.get("jupytext", {}).get("formats", "") if isinstance(meta, dict) else ""
        except (ValueError, AttributeError, RecursionError):
            formats = ""
        if isinstance(formats, str) and _pairs(formats):
            return True
    head = read_capped(py, 64 * 1024)
    if head is None:
        return False
    for line in head.decode("utf-8", "replace").splitlines()[:40]:
        text = line.lstrip("#").strip()
        if text.startswith("formats:") and _pairs(text.split(":", 1)[1]):
            return True
    return False


def _pairs(formats: str) -> bool:
    names = [part.strip().split(":")[0] for part in formats.split(",")]
    return "ipynb" in names and "py" in names
