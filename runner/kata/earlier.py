"""`earlier("04")`: an exercise's file importing an earlier exercise of the same course (issue 25).

A later exercise holds only its new code and takes the rest from earlier exercises:
`Tensor = earlier("04").Tensor`. Which file "04" is depends on who runs the exercise, so `earlier` asks
the current *resolver* (a context variable):

- by default (`python exercises/06_matmul.py`): the file numbered 04 in the caller's own folder,
  `04_*.py` or `04_*.ipynb` (its code cells, read as the checks read them);
- a check run sets one with `resolving(...)`: the course's reference solutions for the step that judges
  only K's new code, the learner's files for the step that runs K on their own earlier code, and in
  judged mode the submission's own texts (reference code never enters the sandbox: docs/security.md).

Modules are cached per resolver, so 06 and 07 importing 04 share one `Tensor` class. A number not lower
than the caller's is refused (no cycles, and no peeking ahead). Design: docs/design-learner-library.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType

_NUMBER = re.compile(r"^(\d+)_")


class EarlierError(ImportError):
    """An `earlier(...)` that cannot be resolved; its message is for the learner."""


def number_of(filename: str | Path) -> str | None:
    """The exercise number of a file named like `06_matmul.py`, else None."""
    found = _NUMBER.match(Path(filename).name)
    return found.group(1) if found else None


_codes: dict[tuple[str, str], CodeType] = {}  # (filename, source) -> code: a step re-executes, never re-compiles


def _compile(source: str, filename: str) -> CodeType:
    key = (filename, source)
    code = _codes.get(key)
    if code is None:
        if len(_codes) > 256:
            _codes.clear()
        code = _codes[key] = compile(source, filename, "exec", dont_inherit=True)
    return code


class Resolver:
    """Finds an exercise's (filename, source) by number and keeps the modules it made from them.

    `prepare(module, filename, source)` may return the code to run instead of the plain compile (the
    judged and carry runs guard the learner's earlier files as they guard K's: kata.forbid)."""

    def __init__(self, find: Callable[[str], tuple[str, str] | None], label: str = "",
                 prepare: Callable[[ModuleType, str, str], CodeType | None] | None = None, quiet: bool = False) -> None:
        self.find = find
        self.label = label  # "reference", "yours", ... for messages
        self.prepare = prepare
        # The course's reference files: their warnings (numpy's "divide by zero" when a wrong answer hands
        # them an inf) name a file the learner never wrote and cannot act on, beside the failure that says it.
        self.quiet = quiet
        self.modules: dict[str, ModuleType] = {}

    def module(self, number: str) -> ModuleType:
        if number in self.modules:
            return self.modules[number]
        found = self.find(number)
        if found is None:
            raise EarlierError(f"exercise {number} was not found{f' ({self.label})' if self.label else ''}")
        filename, source = found
        name = f"kata_earlier_{number}_{id(self)}"
        module = ModuleType(name)
        module.__file__ = filename
        self.modules[number] = module  # before exec: a failure leaves no half module behind (popped below)
        sys.modules[name] = module
        if self.quiet:  # for the child's one run: kata turns pytest's warning filters off
            warnings.filterwarnings("ignore", module=re.escape(name) + "$")
        try:
            code = self.prepare(module, filename, source) if self.prepare is not None else None
            exec(code if code is not None else _compile(source, filename), module.__dict__)
        except BaseException:
            del self.modules[number]
            sys.modules.pop(name, None)
            raise
        return module


def folder_resolver(folder: Path, label: str = "", prepare=None, stubs: Path | None = None,
                    quiet: bool = False) -> Resolver:
    """Exercise NN is the file `NN_*.py` or `NN_*.ipynb` in `folder`; of a notebook and its `.py` twin,
    the one `kata.notebook.pair` chooses (as `kata check` would), told the course's stubs by `stubs`.
    `quiet`: the course's reference solutions, whose warnings are not the learner's (`Resolver`)."""

    def find(number: str) -> tuple[str, str] | None:
        listed = _listed(folder)
        if listed is not None and number in listed:
            path = listed[number]
            return str(path), path.read_text(encoding="utf-8")
        found = pick(folder, number, stubs)
        if found is None:
            return None
        if found.suffix != ".ipynb":
            return str(found), found.read_text(encoding="utf-8")
        from kata.learner_source import learner_source

        text = learner_source(found)
        return (str(found), text) if text is not None else None

    return Resolver(find, label, prepare, quiet)


def _numbered(folder: Path, number: str, suffix: str, stubs: Path | None) -> Path | None:
    """The file numbered `number` with `suffix` in `folder`: the course's own name for it first (`stubs` says
    it; grading finds an exercise's file so), else the first by name (`01_value_ops copy.py` comes second)."""
    for stub in sorted(stubs.glob(f"{number}_*.py")) if stubs is not None else ():
        if (exact := folder / (stub.stem + suffix)).is_file():
            return exact
    return next(iter(sorted(folder.glob(f"{number}_*{suffix}"))), None)


def pick(folder: Path, number: str, stubs: Path | None = None) -> Path | None:
    """The file of exercise `number` in `folder`: its `.py` or its notebook, and of a notebook with its
    `.py` twin the one that holds the learner's code (`kata.notebook.pair.choose`, the stub in `stubs`)."""
    py, notebook = _numbered(folder, number, ".py", stubs), _numbered(folder, number, ".ipynb", stubs)
    if py is None or notebook is None or py.stem != notebook.stem:
        return py or notebook
    from kata.notebook.pair import choose

    choice = choose(notebook, py, stubs / py.name if stubs is not None else None)
    return choice.path if choice is not None else py


def own_earlier(target: Path, stubs: Path | None = None) -> dict[str, Path]:
    """A submission's own earlier exercises for `target` (`NN_name.py` in a submission's folder): for each
    number below its own, the file `pick` chooses among those beside it. What the judge sends into the
    sandbox, and what a cluster parcel carries so that a worker finds the same. A one-file submission
    has none: the files beside it are other students' (its run's `earlier` is "none")."""
    own = number_of(target.name)
    if own is None:
        return {}
    try:
        numbers = sorted({n for p in target.parent.iterdir() if (n := number_of(p.name)) and int(n) < int(own)})
    except OSError:
        return {}
    found: dict[str, Path] = {}
    for number in numbers:
        try:
            path = pick(target.parent, number, stubs)
        except OSError:
            continue
        if path is not None:
            found[number] = path
    return found


_listings: dict[Path, tuple[int, dict[str, Path]]] = {}  # folders `warm` listed: (their mtime, number -> NN_*.py)


def warm(folder: Path) -> None:
    """List `folder` (a course's solutions/) and compile its exercises ahead of a run: the standby child
    does this after collecting the checks, so that each step of the run, which executes the earlier
    exercises afresh, neither lists the folder nor compiles them again (a dozen files from 13 on).
    Never raises: anything unreadable is left to the run, which reads it as it always does."""
    try:
        mtime = folder.stat().st_mtime_ns
        files: dict[str, Path] = {}
        for path in sorted(folder.glob("*_*.py")):
            number = number_of(path.name)
            if number is not None:
                files.setdefault(number, path)  # the first of its number, as `glob(f"{number}_*.py")` finds it
        _listings[folder] = (mtime, files)
        for path in files.values():
            _compile(path.read_text(encoding="utf-8"), str(path))
    except (OSError, ValueError, SyntaxError):
        _listings.pop(folder, None)


def _listed(folder: Path) -> dict[str, Path] | None:
    """`warm`'s listing of `folder`, while the folder's modification time says no file came or went."""
    kept = _listings.get(folder)
    if kept is None:
        return None
    try:
        return kept[1] if folder.stat().st_mtime_ns == kept[0] else None
    except OSError:
        return None


def text_resolver(texts: dict[str, tuple[str, str]], label: str = "", prepare=None) -> Resolver:
    """Exercise NN is `texts[NN]`, a (filename, source) pair: the judged mode's submission texts."""
    return Resolver(texts.get, label, prepare)


_current: contextvars.ContextVar[Resolver | None] = contextvars.ContextVar("kata_earlier", default=None)
_defaults: dict[Path, tuple[tuple, Resolver]] = {}


@contextlib.contextmanager
def resolving(resolver: Resolver) -> Iterator[Resolver]:
    """Within the block, `earlier` resolves through `resolver`."""
    token = _current.set(resolver)
    try:
        yield resolver
    finally:
        _current.reset(token)


def use(resolver: Resolver | None) -> None:
    """From now on (in this thread), `earlier` resolves through `resolver` (None: the caller's folder).
    A check run sets it as it loads the exercise, and a step may call into the exercise long after."""
    _current.set(resolver)


def current() -> Resolver | None:
    return _current.get()


_NOT_COPIED = {"__dict__", "__weakref__", "__module__", "__qualname__", "__doc__", "__firstlineno__",
               "__static_attributes__"}


def extend(cls: type) -> Callable[[type], type]:
    """`@extend(Tensor)` over `class Tensor:` adds that class body's methods to `Tensor` (replacing
    any of the same name) and binds the name to `Tensor` itself: how exercise 06 grows the Tensor of 04.

    The methods keep their file and qualified name (`Tensor.__matmul__`, defined in 06), so a
    traceback, a profile and kata's verdicts name the exercise that wrote each one. A zero-argument
    `super()` in such a method would find the throwaway class: extend methods never call it."""
    if not isinstance(cls, type):
        raise TypeError(f"extend() takes the class to add methods to, not {type(cls).__name__}")

    def add(body: type) -> type:
        for name, value in vars(body).items():
            if name not in _NOT_COPIED:
                setattr(cls, name, value)
        return cls

    return add


def earlier(number: str | int) -> ModuleType:
    """The module of earlier exercise `number` ("04" or 4), as the current resolver finds it."""
    caller = sys._getframe(1).f_code.co_filename
    return resolve(number, caller)


def resolve(number: str | int, caller: str) -> ModuleType:
    """`earlier` for a caller whose file is `caller` (split out so that tests need no frames)."""
    wanted = f"{int(number):02d}" if isinstance(number, int) or str(number).isdigit() else str(number)
    own = number_of(caller)
    if own is not None and int(wanted) >= int(own):
        raise EarlierError(f"exercise {own} can only use earlier exercises, not {wanted}")
    resolver = _current.get()
    if resolver is None:
        resolver = _default(Path(caller).resolve().parent)
    return resolver.module(wanted)


def _default(folder: Path) -> Resolver:
    """The caller's folder, its modules kept while no exercise file there changes (a notebook kernel
    that runs a cell again after the learner edited 04 gets the new 04, and a new class with it)."""
    try:
        seen = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()
                            if number_of(p.name) and p.suffix in (".py", ".ipynb")))
    except OSError:
        seen = ()
    kept = _defaults.get(folder)
    if kept is None or kept[0] != seen:
        kept = _defaults[folder] = (seen, folder_resolver(folder))
    return kept[1]


def culprit(exc: BaseException, resolver: Resolver) -> tuple[str, str] | None:
    """(exercise number, function name) of the innermost frame of `exc`'s traceback that lies in an
    earlier exercise the resolver loaded: "your Tensor.__matmul__ from 06". None if no frame does."""
    return _innermost(exc, resolver)


def _innermost(exc: BaseException, resolver: Resolver, own_file: str | None = None) -> tuple[str, str] | None:
    """(exercise number, qualified name) of the innermost frame of `exc`'s traceback in an earlier
    exercise the resolver loaded; None if there is none, or if a frame of `own_file` lies deeper."""
    files = {module.__file__: number for number, module in resolver.modules.items()}
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            found = (files[code.co_filename], getattr(code, "co_qualname", code.co_name))
        elif own_file is not None and code.co_filename == own_file:
            found = None
        tb = tb.tb_next
    return found


def attribution(exc: BaseException, own_file: str | None = None) -> str | None:
    """A line naming the learner's earlier exercise that `exc` came from, when the current resolver runs
    the learner's own earlier files and the innermost learner frame (theirs or `own_file`'s, K's) is in
    one: "your `Tensor.__matmul__` from exercise 06". None for the reference (a frame there is K's
    business: K handed it the wrong thing), and None when K's own frame is the innermost."""
    resolver = _current.get()
    if resolver is None or resolver.label != "yours":
        return None
    found = _innermost(exc, resolver, own_file)
    if found is None:
        return None
    number, function = found[0], found[1].split(".<locals>")[0]
    name = Path(getattr(resolver.modules[number], "__file__", "") or "").name or number
    return (f"This comes from your `{function}` from exercise {number} ({name}), which this exercise builds "
            f"on: fix it there, and check {number} again.")
