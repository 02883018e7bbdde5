"""The IPython extension: `%load_ext kata`, then `%kata check [ID]` and `%%kata ID` in a notebook.

- `%kata check` checks the notebook it runs in (as last saved; of it and its `.py` twin, the one
  `kata.notebook.pair` chooses, as every route does). Where kata cannot tell which notebook that is
  (a plain kernel, nbclient: no Jupyter server or VS Code names it) or it is not an exercise's,
  it refuses and asks for the ID, never checking another exercise; `%kata check ID` checks ID's file.
- `%%kata ID` checks the code of its cell, after the exercise's stub (so the stub's imports and
  helpers are there), without saving anything and without running the cell in the kernel. Its
  verdict is not the saved file's: it is shown, not recorded (nothing is marked done, nothing
  unlocks). Line numbers are the ones Jupyter shows, the `%%kata` line being line 1.

Every check runs in kata's engine, the one `kata check` uses in the workspace's folder (one
shared engine serves the terminal and the kernel): a warm worker process and a limited child
per run, never the kernel's own namespace, so an answer that hangs or crashes costs that
run, not the kernel. Verdicts on saved files are recorded in the workspace's progress as in the terminal, and
shown as rich output (✓/✗ per step, the first failure, what was unlocked).
"""

from __future__ import annotations

import atexit
import html
import os
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display

from kata import messages, notebook, report
from kata.errors import KataError

if TYPE_CHECKING:
    from kata.session import Session, Verdict

T = TypeVar("T")

USAGE = ("Usage: `%kata check` (this notebook, or the current exercise), `%kata check ID`, "
         "or a cell starting with `%%kata ID` to check that cell's code.")
_COLORS = {"passed": "#1a7f37", "skipped": "#6e7781", "timeout": "#9a6700"}
_engine = None


def _get_engine(root: Path):
    """The workspace's shared engine, the one `kata check` run in the workspace's folder uses (its checks
    run in that folder, as theirs do); a fresh engine of the kernel's own only where it cannot be used
    (busy with another run, KATA_ENGINE=fresh), and for that one check: the next tries the shared one."""
    global _engine
    from kata.engine.shared import SharedEngine, command_engine

    if isinstance(_engine, SharedEngine) and (_engine.cwd != root or _engine.fresh is not None):
        _close_engine()
    if _engine is None:
        _engine = command_engine()
        if isinstance(_engine, SharedEngine):
            _engine.cwd = root
        atexit.register(_close_engine)
    return _engine


def _close_engine() -> None:
    global _engine
    engine, _engine = _engine, None
    if engine is not None:
        engine.close()


def current_notebook(user_ns: dict) -> Path | None:
    """The notebook this kernel runs, where the front end says: VS Code sets `__vsc_ipynb_file__`,
    Jupyter Server sets JPY_SESSION_NAME (ipykernel copies it to `__session__`). None when none does
    (a plain kernel, nbclient)."""
    for candidate in (user_ns.get("__vsc_ipynb_file__"), user_ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if not candidate or not str(candidate).endswith(notebook.SUFFIX):
            continue
        path = Path(str(candidate))
        for option in (path, Path.cwd() / path, Path.cwd() / path.name):
            if option.is_file():
                return option.resolve()
    return None


@magics_class
class KataMagics(Magics):
    @line_cell_magic
    def kata(self, line: str, cell: str | None = None) -> None:
        """%kata check [ID] checks an exercise's file; %%kata ID checks the code of its cell."""
        try:
            args = shlex.split(line)
        except ValueError:
            args = line.split()
        try:
            if cell is None:
                if not args or args[0] != "check" or len(args) > 2:
                    _show_text(USAGE)
                    return
                self._check(args[1] if len(args) > 1 else None)
            else:
                if args and args[0] == "check":
                    args = args[1:]
                if len(args) != 1:
                    _show_text("`%%kata` checks one exercise: start the cell with `%%kata ID`, e.g. `%%kata 01`.")
                    return
                self._check_cell(args[0], cell)
        except KataError as exc:
            _show_text(f"error: {exc.message}" + (f"\n{exc.fix}" if exc.fix else ""))

    def _workspace(self):
        from kata.workspace import find_workspace

        here = current_notebook(self.shell.user_ns if self.shell is not None else {})
        return find_workspace(here.parent if here is not None else Path.cwd()), here

    def _check(self, ident: str | None) -> None:
        from kata.session import Session

        ws, here = self._workspace()
        session = Session(ws)
        _show_warnings(session)
        if ident:
            ex = ws.course.find(ident)
        else:
            ex = _exercise_of(ws, here)
        verdict = _interruptible(lambda: session.check(_get_engine(ws.root), ex))
        if verdict is None:
            return
        session.save()
        path = verdict.source.path
        note = notebook.left_out_note(path) if verdict.result.status != "locked" and notebook.is_notebook(path) else None
        pair = verdict.source.note if verdict.ran else None
        _show_verdict(session, verdict, [line for line in (_news(session, verdict), note, pair) if line])

    def _check_cell(self, ident: str, cell: str) -> None:
        from kata.session import Session

        from kata.progress import blocker

        ws, _ = self._workspace()
        ex = ws.course.find(ident)
        session = Session(ws)
        first = blocker(ws.course, session.progress, ex)
        if first is not None:  # its stub may carry an earlier answer: never written for a locked exercise
            raise KataError(messages.locked(ex, first), f"Check {first.id} with `%kata check {first.id}`, then "
                                                        f"`%%kata {ex.id}` again.")
        stub = ex.stub.read_text(encoding="utf-8")
        code = notebook.cell_to_python(cell)
        head = f"{stub.rstrip()}\n\n\n# %% your %%kata cell: it comes after the stub, so it replaces what it defines\n"
        offset = head.count("\n")
        folder = ws.state_dir / "cells"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{ex.id}_{ex.name}.py"
        tmp = target.with_name(f".{target.name}.kata-tmp")
        tmp.write_text(head + code.source, encoding="utf-8")
        os.replace(tmp, target)
        _show_warnings(session)
        source = session.source(ex, target=target, label=f"your %%kata {ex.id} cell")
        verdict = _interruptible(lambda: session.check(_get_engine(ws.root), ex, source, record=False))
        if verdict is None:
            return
        _in_cell(verdict.result, target, offset - 1)  # Jupyter counts the `%%kata` line as line 1
        left = [f"line {line} `{text[:40]}`" for _, line, text in code.left_out]
        extra = [line for line in (
            messages.cell_not_recorded(ex, session.path(ex)) if verdict.ran else None,
            f"note: {', '.join(left)} left out of the check (IPython magics and shell escapes run only in "
            "Jupyter)." if left else None,
            "The cell was checked, not run: remove its `%%kata` line to run it in the kernel.") if line]
        _show_verdict(session, verdict, extra)


def _exercise_of(ws, here: Path | None):
    """The exercise whose notebook this kernel runs; a KataError when kata cannot tell, rather than
    checking another exercise than the learner's."""
    if here is None:
        raise KataError("kata cannot tell which notebook this kernel runs: neither a Jupyter server "
                        "(JPY_SESSION_NAME) nor VS Code (__vsc_ipynb_file__) says so here.",
                        "Name the exercise: `%kata check 02`.")
    found = next((e for e in ws.course.exercises if here in {p.resolve() for p in ws.files_of(e)}), None)
    if found is None:
        raise KataError(f"{here.name} is not one of this course's exercises, so `%kata check` cannot tell "
                        "which to check.", "Name the exercise: `%kata check 02`.")
    return found


def _news(session: Session, verdict: Verdict) -> str | None:
    if not verdict.result.passed:
        return None
    if verdict.unlocked is not None:
        return messages.unlocked(verdict.unlocked, session.path(verdict.unlocked))
    return messages.LAST_EXERCISE if verdict.finished_course else None


def _show_warnings(session: Session) -> None:
    session.progress  # noqa: B018 - loading is what may warn
    for warning in session.take_warnings():
        _show_text(f"warning: {warning}")


def _interruptible(run: Callable[[], T]) -> T | None:
    """Run a check; an interrupt (the kernel's stop button) stops the engine's run, not the kernel."""
    try:
        return run()
    except KeyboardInterrupt:
        _close_engine()  # the worker ends the run in flight when its client goes
        _show_text("Stopped: kata ended the run. Check again when you are ready.")
        return None


def _in_cell(result, target: Path, offset: int) -> None:
    """Locations in the temporary module, told as lines of the cell (or of the stub above it)."""
    where = re.compile(re.escape(str(target)) + r":(\d+)")

    def told(found: re.Match) -> str:
        line = int(found.group(1))
        return f"your cell, line {line - offset}" if line > offset else f"the stub, line {line}"

    def on_your_line(found: re.Match) -> str:
        line = int(found.group(1))
        return f"On line {line - offset} of your cell" if line > offset else f"On line {line} of the stub"

    for step in result.steps:
        step.message = re.sub(r"On your line (\d+)", on_your_line, where.sub(told, step.message))
        step.output = where.sub(told, step.output)  # warnings too: `your cell, line N: UserWarning: …`
    result.message = where.sub(told, result.message)
    result.output = where.sub(told, result.output)


def _show_text(text: str) -> None:
    display({"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}, raw=True)


def _show_verdict(session: Session, verdict: Verdict, extra: list[str]) -> None:
    result = verdict.result
    bar = report.course_progress(session.course, session.progress)
    text = "\n".join([report.render_result(result), *extra, bar])
    display({"text/plain": text, "text/html": _html(result, extra, bar)}, raw=True)


def _html(result, extra: list[str], bar: str) -> str:
    esc = html.escape
    color = _COLORS.get(result.status, "#cf222e")
    parts = [f'<div class="kata-verdict"><p><b>{esc(result.id)} {esc(result.name)}</b> '
             f'<code>{esc(result.target)}</code>: <b style="color:{color}">{esc(report.status_word(result))}</b> '
             f"{result.steps_passed}/{len(result.steps)} steps in {result.duration_s:.2f} s</p>"]
    if result.status == "locked":
        parts.append(f"<p>{esc(result.message)}</p>")
    else:
        parts.append('<ul style="list-style:none;padding-left:1em;margin:0">')
        for step in result.steps:
            mark_color = _COLORS.get(step.outcome, "#cf222e")
            parts.append(f'<li><span style="color:{mark_color}">{esc(report.mark(step))}</span> {esc(step.title)}</li>')
        parts.append("</ul>")
        failure = result.first_failure()
        if failure is not None and failure.message:
            parts.append(f"<p><b>First failure, step {failure.index}: {esc(failure.title)}</b></p>"
                         f"<pre>{esc(failure.message)}</pre>")
            printed = report.learner_output(failure.output, failure.message)
            if printed:
                parts.append(f"<p>Your code printed:</p><pre>{esc(chr(10).join(printed[:20]))}</pre>")
        elif result.message and not result.passed:
            parts.append(f"<pre>{esc(result.message)}</pre>")
    parts += [f"<p>{esc(line)}</p>" for line in extra]
    parts.append(f"<p><code>{esc(bar)}</code></p></div>")
    return "".join(parts)


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(KataMagics)


def unload_ipython_extension(ipython) -> None:
    _close_engine()
