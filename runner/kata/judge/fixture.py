"""The plugin's `exercise` fixture in judged mode: the learner's module, loaded in the sandbox.

The check process never imports the learner's file. It reads it as the checks
see it (`kata.learner_source`: for a notebook, its code cells joined) and sends
that text to the learner's process, which runs it; the check gets a
`RemoteModule` back, whose `__file__` is the file the judge read, so the
checks' source helpers (`kata.feedback.source`) read the same module here. A failure of the learner's code is rebuilt here as
data (class name, message, the learner's own frames) and shown like one in
local mode.
"""

from __future__ import annotations

import ast
import inspect
import socket
import textwrap
from pathlib import Path
from typing import Any, Callable

from kata.forbid.rules import Rule
from kata.judge.remote import Channel, LearnerProcessGone, RemoteModule

_channels: dict[int, Channel] = {}


def channel(fd: int, target: Path) -> Channel:
    """The run's one channel to the learner's process (one per check child)."""
    if fd not in _channels:
        _channels[fd] = Channel(socket.socket(fileno=fd), target)
    return _channels[fd]


def load(fd: int, target: Path, module_name: str, rule: Rule | None = None, stubs: Path | None = None,
         alone: bool = False) -> RemoteModule:
    """Load `target` afresh in the learner's process (its calls guarded by `rule`, when the exercise
    forbids modules: kata.forbid), with the submission's earlier exercises beside it (`stubs`: the
    course's, to choose between a notebook and its `.py`; `alone`: a one-file submission, which has
    none); raises what the learner's import raised."""
    from kata.judge.intake import Refused, read_source

    chan = channel(fd, target)
    try:  # the learner's source as the checks see it: a notebook's code cells joined, nothing run here
        source = read_source(target)
    except Refused as exc:
        raise LearnerProcessGone(str(exc)) from None
    return chan.load(source, module_name, rule.to_wire() if rule is not None else None,
                     {} if alone else earlier_texts(target, source, stubs))


def earlier_texts(target: Path, source: str, stubs: Path | None = None) -> dict[str, list[str]]:
    """The submission's own earlier exercises beside `target`, {number: [path, source]}, for a file that
    uses `earlier(...)` (kata.earlier): the sandbox runs them, never a reference. A file refused as
    the target would be is left out, and `earlier` then says that exercise was not found."""
    from kata.earlier import own_earlier
    from kata.judge.intake import Refused, read_source

    if "earlier(" not in source:
        return {}
    found: dict[str, list[str]] = {}
    for number, path in own_earlier(target, stubs).items():  # of a notebook and its .py, as `kata check` chooses
        try:
            if not path.is_symlink():
                found[number] = [str(path), read_source(path)]
        except (Refused, Exception):
            continue
    return found


def remote_frames(exc: BaseException) -> str:
    """The learner's frames of an exception that happened in the learner's process, as text."""
    info = getattr(exc, "__kata_remote__", None)
    return info.get("frames", "") if isinstance(info, dict) else ""


def describe_remote(exc: BaseException) -> str:
    """A learner-facing account of an exception rebuilt from the learner's process."""
    if isinstance(exc, LearnerProcessGone):
        return str(exc)
    info = getattr(exc, "__kata_remote__", {}) or {}
    if info.get("told"):
        return info["told"]
    try:
        text = str(exc)
    except Exception:
        text = "(its message could not be shown)"
    line = f"{info.get('type') or type(exc).__name__}: {text}" if text else (info.get("type") or type(exc).__name__)
    frames = remote_frames(exc)
    return f"{frames}\n{line}" if frames else line


def learner_side(exercise: Any, helper: Callable) -> Any:
    """`helper` (a function or class of the check module) as it exists next to the learner's code.

    In local mode that is `helper` itself. In judged mode the helper's source is
    defined again in the learner's process (after the check module's imports),
    and a handle to it comes back: calling it builds its result there, so
    the learner's code can use it like any object of its own. Whatever such a
    helper reports back is only as trustworthy as the learner's code.
    """
    if not isinstance(exercise, RemoteModule):
        return helper
    chan: Channel = object.__getattribute__(exercise, "_ch")
    source_file = inspect.getsourcefile(helper) or "<check>"
    source = textwrap.dedent(inspect.getsource(helper))
    return chan.request("define", source=source, imports=_imports_of(source_file),
                        name=helper.__name__, filename=source_file)


def _imports_of(check_file: str) -> str:
    """The top-level import statements of a check module, for helpers defined in the learner's process."""
    try:
        tree = ast.parse(Path(check_file).read_text())
    except (OSError, SyntaxError, ValueError):
        return ""
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
