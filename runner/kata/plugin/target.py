"""The `exercise` fixture: the target module, freshly imported for each step, from the same seed.

Locally the learner's file is compiled once per run and executed afresh for each step; in
judged mode the fixture is a proxy to the learner's module in the sandboxed process.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import itertools
import random
import sys
from pathlib import Path

import pytest

from kata import settings, torch_settings
from kata.contract import Cause, Event, EventKind
from kata.feedback.failures import describe_exception
from kata.forbid.guard import ForbiddenModule, install
from kata.forbid.rules import Rule, rule_for
from kata.course import MANIFEST
from kata.plugin.state import State, state_of, target_for

_counter = itertools.count()
_rules: dict[Path, Rule | None] = {}  # target -> what its exercise forbids (kata.forbid), read by the fixture
_references: dict[Path, Path | None] = {}  # target -> its course's solutions/ folder, when the course has one


def _seed() -> None:
    """Each step starts from the same random state, so checks never pass by luck.

    Only libraries already loaded are seeded: one imported later starts from its
    own fixed default seed, and importing torch here would cost every check 1.6 s.
    """
    seed = settings.seed()  # `kata verify` varies it to find flaky steps
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        # The CPU generator only: torch.manual_seed also queues CUDA seeding, ~5 ms a call.
        sys.modules["torch"].default_generator.manual_seed(seed)


@pytest.fixture
def exercise(request: pytest.FixtureRequest):
    """The target module, freshly imported under a unique name for this step."""
    state = state_of(request.config)
    target = target_for(Path(str(request.node.path)), state)
    if state.timed_out:  # the rest would most likely hang too: answer fast instead
        state.cause[request.node.nodeid] = Cause.EARLIER_TIMEOUT
        pytest.skip("not run: an earlier step timed out")
    if target in state.broken_imports:
        state.cause[request.node.nodeid] = Cause.NOT_RUN
        pytest.fail(f"not run: {state.broken_imports[target]}", pytrace=False)
    if not target.is_file():
        pytest.fail(f"{target} does not exist.", pytrace=False)
    _seed()
    try:
        _rules[target] = rule_for(Path(str(request.node.path)))
        _references[target] = _reference_folder(Path(str(request.node.path)))
        return _import_target(state, target)
    except BaseException:
        if target in state.broken_imports:  # this step found the file broken: say so, for graders
            state.cause[request.node.nodeid] = Cause.DOES_NOT_IMPORT
        raise


@pytest.fixture
def exercise_file(request: pytest.FixtureRequest) -> Path:
    """The file this step checks, not imported: the key for what a check builds once per run and
    shares between steps (`exercise` imports the file afresh for each step, which a step that only
    reads that shared value need not pay)."""
    return target_for(Path(str(request.node.path)), state_of(request.config))


def _import_target(state: State, target: Path):
    module_name = f"kata_target_{target.stem}_{next(_counter)}"
    rule = _rules.get(target)  # the same for every import of a run: the re-run of a step (rerun.py) too
    if state.judge_fd is not None:
        return _remote_exercise(state.judge_fd, state, target, module_name, rule)
    # An explicit loader, so a target not named .py (a grader's `answer.txt`) still imports as Python.
    spec = importlib.util.spec_from_file_location(
        module_name, target, loader=importlib.machinery.SourceFileLoader(module_name, str(target)))
    assert spec is not None  # an explicit loader always gives a spec
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    _use_resolver(state, target, rule)
    if rule is not None:  # the exercise forbids modules: its calls and imports are guarded (kata.forbid)
        install(module.__dict__, rule)
    before = torch_settings.snapshot()
    sys.argv = [str(target)]  # the learner's file is the program (not the worker): the same on every route
    try:
        exec(_compiled(state, target, rule), module.__dict__)
    except pytest.fail.Exception as exc:
        if str(exc).startswith("Timeout"):
            state.broken_imports[target] = "importing your file timed out (see the first step)"
        raise
    except BaseException as exc:  # the learner's file may raise anything, even SystemExit
        sys.modules.pop(module_name, None)
        why = _import_failure(exc, target)
        state.broken_imports[target] = (FORBIDDEN if isinstance(exc, ForbiddenModule)
                                        else "your file does not import (see the first step)")
        pytest.fail(why, pytrace=False)
    changed = torch_settings.put_back(before)
    if changed:
        pytest.fail(torch_settings.message(target.name, changed), pytrace=False)
    _seed()
    return module


def warm(check_file: Path) -> None:
    """What a run of `check_file` reads from the course, read ahead (the standby child calls this after
    collecting it): what the exercise forbids, and the reference solutions its earlier exercises load."""
    rule_for(check_file)
    reference = _reference_folder(check_file)
    if reference is not None:
        from kata import earlier

        earlier.warm(reference)


def _reference_folder(check_file: Path) -> Path | None:
    """The `solutions/` folder of the course that holds `check_file`, if it has one."""
    for folder in check_file.parents:
        if (folder / MANIFEST).is_file():
            return folder / "solutions" if (folder / "solutions").is_dir() else None
    return None


def _use_resolver(state: State, target: Path, rule: Rule | None) -> None:
    """Which files the exercise's `earlier(...)` imports (kata.earlier), fresh for each import of the
    target, so a class an earlier exercise made and later ones extend is made again for each step.

    The own step (what decides pass or fail, and what `kata verify` runs): the course's reference
    solutions, so K is judged on K's new code alone. The carry step and a grader's local run
    (`state.earlier` "yours"), or a course without solutions: the learner's own files beside the target,
    guarded as the target is (kata.forbid); "yours-but:03,05" takes 03 and 05 from the reference (the
    exercises the learner skipped, and the carry step's search for the earlier exercise that breaks K)."""
    from kata import earlier

    reference = _references.get(target)
    if reference is not None and not state.earlier:
        earlier.use(earlier.folder_resolver(reference, "reference", quiet=True))
        return
    if state.earlier == "none":  # a one-file submission: the files beside it are other students'
        earlier.use(earlier.text_resolver({}, "yours"))
        return
    stubs = reference.parent / "exercises" if reference is not None else None
    yours = earlier.folder_resolver(target.parent, "yours", _guarded(rule), stubs)
    swapped = set(state.earlier.partition("yours-but:")[2].split(",")) - {""}
    if reference is not None and swapped:
        theirs = earlier.folder_resolver(reference, "reference", quiet=True)
        find = yours.find
        yours.find = lambda number: theirs.find(number) if number in swapped else find(number)
    earlier.use(yours)


_guarded_codes: dict[tuple[str, str], object] = {}  # (file, source) -> an earlier file's guarded code, for a run


def _guarded(rule: Rule | None):
    """The learner's earlier files, run with the target's forbid guard (kata.forbid), each compiled once a
    run although each step executes it afresh."""
    if rule is None:
        return None

    def prepare(module, filename: str, source: str):
        from kata.forbid.rewrite import compile_guarded

        install(module.__dict__, rule)
        code = _guarded_codes.get((filename, source))
        if code is None:
            code = _guarded_codes[(filename, source)] = compile_guarded(source, filename)
        return code

    return prepare


FORBIDDEN = "your file uses a module this exercise forbids (see the first step)"


def _remote_exercise(judge_fd: int, state: State, target: Path, module_name: str, rule: Rule | None):
    """Judged mode: the learner's module runs in the sandbox; the check gets a proxy to it."""
    from kata.judge import fixture
    from kata.judge.remote import LearnerProcessGone

    chan = fixture.channel(judge_fd, target)
    chan.on_flag = lambda reason: state.emit(Event(EventKind.INTEGRITY, message=reason))  # a row flag in grade
    if chan.broken:
        pytest.skip("not run: an earlier step ended the process running your code")
    try:
        reference = _references.get(target)
        module = fixture.load(judge_fd, target, module_name, rule,
                              reference.parent / "exercises" if reference is not None else None,
                              alone=state.earlier == "none")
    except pytest.fail.Exception as exc:
        if str(exc).startswith("Timeout"):
            state.broken_imports[target] = "importing your file timed out (see the first step)"
        raise
    except LearnerProcessGone:
        # The learner's process died while importing (os._exit, a crash in C): `crashed`, and the
        # later steps skipped (its channel is broken), as when a local check child dies there.
        raise
    except BaseException as exc:  # rebuilt from the learner's process: never raised by their code here
        state.broken_imports[target] = (FORBIDDEN if isinstance(exc, ForbiddenModule)
                                        else "your file does not import (see the first step)")
        if isinstance(exc, SyntaxError):
            if target.suffix == ".ipynb":  # told by cell and line, as `kata check` tells it (_compiled)
                from kata import notebook
                from kata.learner_source import read_source

                notebook.register(target, read_source(target))
            pytest.fail(_import_failure(exc, target), pytrace=False)
        if isinstance(exc, SystemExit):
            code = (getattr(exc, "__kata_remote__", None) or {}).get("code")
            pytest.fail(f"{target} called sys.exit({code}) while being imported.\n"
                        "Remove it, or move it under `if __name__ == \"__main__\":`.", pytrace=False)
        head = "" if isinstance(exc, ForbiddenModule) else f"{target} does not import:\n"
        pytest.fail(f"{head}{fixture.describe_remote(exc)}", pytrace=False)
    changed = fixture.channel(judge_fd, target).torch_changed
    if changed:  # put back in the learner's process; told as `kata check` tells it
        pytest.fail(torch_settings.message(target.name, changed), pytrace=False)
    imported = [n for n in fixture.channel(judge_fd, target).imports if n not in state.reported]
    if imported:  # the worker preloads them in the sandbox for the next run (it checks the names)
        state.reported.update(imported)
        state.emit(Event(EventKind.IMPORTS, names=sorted(imported)))
    _seed()
    return module


def _compiled(state: State, target: Path, rule: Rule | None = None):
    """The target's code object, compiled once per run: each step still executes it afresh (with
    every call guarded when the exercise forbids modules: kata.forbid.rewrite).

    The first time, it also tells the engine which heavy libraries the target imports at
    top level (the names its module code imports), so the warm worker preloads them for
    the next run. Only here, in the limited child, is the learner's file ever parsed.
    """
    code = state.compiled.get(target)
    if code is None:
        if target.suffix == ".ipynb":  # a notebook: its code cells joined, as the checks read it (kata.learner_source)
            from kata import notebook
            from kata.learner_source import read_source

            source = read_source(target)
            notebook.register(target, source)
            notebook.tell_warnings_by_cell()
            code = notebook.compile_joined(source, str(target))
            if rule is not None:
                from kata.forbid.rewrite import compile_guarded

                code = compile_guarded(source, str(target))
        else:
            data = target.read_bytes()  # the bytes, as Python compiles a source file (learner_source decodes them so)
            if rule is not None:  # a syntax error is raised by the same parser, with the same message
                from kata.forbid.rewrite import compile_guarded

                code = compile_guarded(data, str(target))
            else:
                code = compile(data, str(target), "exec", dont_inherit=True)
            _keep_lines(target, data)
        state.compiled[target] = code
        from kata.preload import PRELOADABLE

        imported = sorted({name.split(".")[0] for name in code.co_names} & set(PRELOADABLE))
        if imported:
            state.emit(Event(EventKind.IMPORTS, names=imported))
    return code


def _keep_lines(target: Path, data: bytes) -> None:
    """The lines of the source that runs, for every traceback of this run: a save during a check must not
    show a line of the new file beside the old file's error (linecache would read the file again)."""
    import linecache

    from kata.learner_source import source_text  # decoded as Python decodes the file (its coding line)

    text = source_text(target, data)
    linecache.cache[str(target)] = (len(data), None, text.splitlines(True), str(target))  # no mtime: kept


def _import_failure(exc: BaseException, target: Path) -> str:
    if isinstance(exc, SystemExit):
        return (f"{target} called sys.exit({exc.code!r}) while being imported.\n"
                "Remove it, or move it under `if __name__ == \"__main__\":`.")
    if isinstance(exc, KeyboardInterrupt):
        return f"{target} raised KeyboardInterrupt while being imported."
    if isinstance(exc, ForbiddenModule):
        return describe_exception(exc, [target], learner_file=target)
    head = f"{target} does not import:" if not isinstance(exc, SyntaxError) else f"{target} has a syntax error:"
    return head + "\n" + describe_exception(exc, [target], learner_file=target)
