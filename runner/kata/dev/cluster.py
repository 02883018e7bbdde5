"""`kata grade --scheduler`: grading a class on Dask's distributed scheduler.

Only imported when `--scheduler` is given, so `kata` never loads dask otherwise.
One Dask task per submission. Every worker keeps one warm kata Engine, started
by a WorkerPlugin, and grades each submission exactly as local grading does
(`kata.dev.grade.grade_one`: judged mode, sandbox and limits included).

What travels, and how:
- **Submissions as data.** The grader reads each submission's files through
  `kata.judge.intake` (no symlinks, plain files only, size cap) and sends their
  text with the task; the worker writes them into a private temp folder, grades
  them there and deletes the folder. A refused file travels as its refusal.
- **The course as a digest-checked archive** of kata.toml, exercises/ and
  checks/ (never solutions/ or mistakes/). The grader leaves it on the scheduler
  (a `distributed.Variable` named by the digest); a worker fetches it only when
  it has no course at that digest (an installed one, or one it unpacked
  before), checks the digest, unpacks it safely, and re-checks the digest of the
  folder it grades with before and after every submission.
- **Results** come back as the contract's wire dicts, with the worker's own
  folders in messages replaced by the grader's, so every output reads as local
  grading's.

Faults: a worker that dies mid-task has its task re-run elsewhere by the
scheduler; a task that raises is retried once. After two failures the row says
so. `local:N` starts the scheduler with that rule (`allowed_failures=1`); a
scheduler started elsewhere keeps its own (docs/grading.md says how to set it).
Ctrl-C cancels what has not finished and keeps the rows that have. Never prints.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import shutil
import tarfile
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from kata.contract import CRASHED, ERROR, Cause, CheckResult, StepResult, result_from_wire, result_to_wire
from kata.course import Course, Exercise, step_names
from kata.errors import KataError
from kata.judge.intake import Refused, check_entry, read_source

try:
    from distributed import WorkerPlugin
except ImportError:  # without the `cluster` extra; `connect` says how to install it
    WorkerPlugin = object  # type: ignore[assignment,misc]

PLUGIN = "kata-grader"
TRIES = 2  # runs of a submission's task before its row gives up (worker deaths and errors alike)
ARCHIVED = ("kata.toml", "exercises", "checks")  # what a course needs to grade; no solutions/, no mistakes/
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # the course, unpacked
INSTALL = "pip install 'kata[cluster]'"


# --- the course as data ---------------------------------------------------------------------------

def course_files(root: Path) -> list[tuple[str, Path]]:
    """The files a worker needs to grade with: (posix path relative to root, path), sorted."""
    root = Path(root)
    found = [("kata.toml", root / "kata.toml")] if (root / "kata.toml").is_file() else []
    for top in ARCHIVED[1:]:
        for path in (root / top).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                found.append((rel.as_posix(), path))
    return sorted(found)


def _digest(items: Iterator[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for rel, data in items:
        sha.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return sha.hexdigest()


def course_digest(root: Path) -> str:
    """One digest of the course's kata.toml, exercises/ and checks/, names and contents."""
    return _digest((rel, path.read_bytes()) for rel, path in course_files(root))


def pack_course(root: Path) -> tuple[str, bytes]:
    """(digest, a gzipped tar of the course's files): the same bytes for the same files."""
    out = io.BytesIO()
    items = [(rel, path.read_bytes()) for rel, path in course_files(root)]
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel, data in items:
            info = tarfile.TarInfo(rel)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return _digest(iter(items)), out.getvalue()


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (path.is_absolute() or "\\" in name or "\0" in name or not path.parts
            or any(p in ("", ".", "..") for p in path.parts) or path.parts[0] not in ARCHIVED
            or (path.parts[0] == "kata.toml") != (len(path.parts) == 1)):
        raise ValueError(f"the course archive holds {name!r}, which is not a course file")
    return path


def unpack_course(blob: bytes, digest: str, dest: Path) -> None:
    """Unpack `blob` into the empty folder `dest`: plain files under kata.toml, exercises/ and checks/
    only, nothing outside `dest`, and only if their digest is `digest`. Raises ValueError otherwise."""
    items: list[tuple[str, bytes]] = []
    total = 0
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar:
            if member.isdir():
                continue
            rel = _safe_name(member.name)
            if not member.isreg():
                raise ValueError(f"the course archive holds {member.name!r}, which is not a plain file")
            total += member.size
            if total > MAX_ARCHIVE_BYTES:
                raise ValueError("the course archive unpacks to more than 64 MiB")
            handle = tar.extractfile(member)
            items.append((rel.as_posix(), handle.read(member.size) if handle else b""))
    items.sort()
    if len({rel for rel, _ in items}) != len(items) or _digest(iter(items)) != digest:
        raise ValueError("the course archive does not match its digest")
    for rel, data in items:
        target = dest.joinpath(*PurePosixPath(rel).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)


# --- submissions as data --------------------------------------------------------------------------

@dataclass(frozen=True)
class Parcel:
    """One submission's graded files, read on the grader's side, as they travel to a worker."""

    label: str
    name: str  # the submission's own file or folder name
    is_file: bool
    home: str  # the grader's folder that holds it: the worker's temp folder is shown as this
    files: dict[str, str] = field(default_factory=dict)  # path inside the submission -> text
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # exercise -> (file name, why)


def pack_submission(sub, exercises: list[Exercise]) -> Parcel:
    """The files `sub` holds for `exercises`, each read through the intake's refusals."""
    root = sub.path.parent if sub.is_file else sub.path
    parcel = Parcel(sub.label, sub.path.name, sub.is_file, str(sub.path.parent))
    for ex in exercises:
        target = sub.file_for(ex)
        if target is None:
            continue
        rel = target.name if sub.is_file else target.relative_to(sub.path).as_posix()
        if rel in parcel.files:
            continue
        try:
            check_entry(target, root)
            parcel.files[rel] = read_source(target)
        except Refused as exc:
            parcel.refused[ex.name] = (target.name, str(exc))
    return parcel


def _unpack_submission(parcel: Parcel, folder: Path):
    from kata.dev.grade import Submission

    path = folder / parcel.name
    if parcel.is_file:
        for text in parcel.files.values():
            path.write_text(text, encoding="utf-8")
    else:
        path.mkdir()
        for rel, text in parcel.files.items():
            target = path.joinpath(*_relative(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return Submission(parcel.label, path)


def _relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"a submission's file is named {rel!r}")
    return path


# --- the worker's side ----------------------------------------------------------------------------

class KataGrader(WorkerPlugin):
    """One warm kata Engine per Dask worker; tasks take turns on it."""

    name = PLUGIN
    idempotent = True  # a later `kata grade` keeps the engine that is already warm

    def __init__(self, detach: bool = False) -> None:
        self.detach = detach  # local:N: leave the terminal's process group, so Ctrl-C reaches only the grader

    def setup(self, worker) -> None:
        from kata.engine.pool import ONE_THREAD
        from kata.engine import Engine

        if self.detach:
            with contextlib.suppress(OSError):
                os.setpgid(0, 0)
        self.lock = threading.Lock()
        self.engine = Engine(env={k: v for k, v in ONE_THREAD.items() if k not in os.environ})
        threading.Thread(target=self._warm, name="kata-warm", daemon=True).start()  # off the event loop

    def _warm(self) -> None:
        with self.lock, contextlib.suppress(Exception):
            self.engine.start()

    def teardown(self, worker) -> None:
        with self.lock:
            self.engine.close()


_courses: dict[str, Path] = {}  # digest -> the folder this worker process grades that course from
_courses_lock = threading.Lock()


def _variable(digest: str) -> str:
    return f"kata-course-{digest}"


def _installed(digest: str) -> Path | None:
    from kata.course_sources import installed

    for offered in installed():
        if offered.root is not None and offered.course is not None:
            with contextlib.suppress(OSError):
                if course_digest(offered.root) == digest:
                    return offered.root
    return None


def _course_root(digest: str) -> Path:
    """A folder holding the course at `digest`: one this worker has, else the archive, fetched and unpacked."""
    with _courses_lock:
        root = _courses.get(digest)
        if root is not None and course_digest(root) == digest:
            return root
        root = _installed(digest)
        if root is None:
            from distributed import Variable, get_client

            blob = Variable(_variable(digest), client=get_client()).get(timeout="120 s")
            root = Path(tempfile.mkdtemp(prefix="kata-course-"))
            atexit.register(shutil.rmtree, root, True)
            unpack_course(blob, digest, root)
        _courses[digest] = root
        return root


def _swap(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        text = text.replace(old, new)
    return text


def _shown_as_on_grader(result: CheckResult, swaps: list[tuple[str, str]]) -> CheckResult:
    result.target, result.message, result.output = (_swap(t, swaps) for t in (result.target, result.message,
                                                                               result.output))
    for step in result.steps:
        step.message, step.output = _swap(step.message, swaps), _swap(step.output, swaps)
    return result


def grade_parcel(parcel: Parcel, exercises: list[Exercise], digest: str, course_home: str, judged: bool,
                 require_sandbox: bool) -> tuple[list[dict], bool]:
    """The Dask task: one submission against `exercises`, on this worker's engine.
    Returns each exercise's result (wire form) and whether the course changed while grading."""
    from distributed import get_worker

    from kata.dev.grade import BrokenFiles, grade_one, refused_result

    grader: KataGrader = get_worker().plugins[PLUGIN]
    root = _course_root(digest)
    chosen = [dataclasses.replace(ex, root=root, solutions_dir=None) for ex in exercises]
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as tmp:
        sub = _unpack_submission(parcel, Path(tmp))
        results, broken = [], BrokenFiles()  # a one-file submission that does not import: judged once
        with grader.lock:
            for ex in chosen:
                if ex.name in parcel.refused:
                    name, why = parcel.refused[ex.name]
                    results.append(refused_result(ex, f"{parcel.label}: {name}", why))
                else:
                    results.append(grade_one(grader.engine, sub, ex, judged, require_sandbox, broken))
        swaps = [(str(Path(tmp)), parcel.home), (str(root), course_home.rstrip(os.sep))]
        shown = [result_to_wire(_shown_as_on_grader(r, swaps)) for r in results]
    return shown, course_digest(root) != digest


def _has_bwrap() -> bool:
    from kata.judge.sandbox import bwrap_path

    return bwrap_path() is not None


# --- the grader's side ----------------------------------------------------------------------------

def _require_dask():
    try:
        import distributed
    except ImportError:
        raise KataError("--scheduler grades on a Dask cluster, and Dask is not installed here.",
                        f"Install the extra: `{INSTALL}` (dask and distributed), here and on every worker.") from None
    return distributed


@contextlib.contextmanager
def connect(address: str):
    """A Dask client: on the scheduler at `address`, or on a new LocalCluster of N workers for `local:N`."""
    distributed = _require_dask()
    cluster = None
    if address.startswith("local:"):
        count = address.split(":", 1)[1]
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise KataError(f"--scheduler {address}: N in local:N must be a number of workers from 1 to 256.",
                            "For example `--scheduler local:2`.")
        import dask

        with dask.config.set({"distributed.worker.profile.enabled": False}):  # its sampling costs the checks' cores
            cluster = distributed.LocalCluster(
                n_workers=int(count), threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                scheduler_kwargs={"allowed_failures": TRIES - 1, "dashboard": False,
                                  "dashboard_address": "127.0.0.1:0"})
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(address, timeout="20 s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise KataError(f"Cannot reach a Dask scheduler at {address} ({exc}).",
                            "Start one with `dask scheduler` and give its address (tcp://HOST:8786), "
                            "or grade on this machine with `--scheduler local:N`.") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@dataclass
class Outcome:
    workers: int = 0
    checks_changed: bool = False
    cancelled: int = 0  # submissions left ungraded by Ctrl-C


def _failed(ex: Exercise, label: str, why: str, status: str) -> CheckResult:
    steps = [StepResult(index=i, name=n, title=t, outcome=status, message=f"not graded: {why}",
                        cause=Cause.WORKER_CRASHED)
             for i, (n, t) in enumerate(step_names(ex.checks), start=1)]
    return CheckResult(id=ex.id, name=ex.name, target=label, status=status, steps=steps, message=why,
                       cause=Cause.WORKER_CRASHED.value)


def _failed_row(row, exercises: list[Exercise], exc: BaseException) -> list[CheckResult]:
    from distributed import KilledWorker

    from kata.dev.grade import missing_result

    if isinstance(exc, KilledWorker):
        last = getattr(exc.last_worker, "address", exc.last_worker)
        why, status = (f"the Dask worker grading this submission died {exc.allowed_failures + 1} times "
                       f"(the last one: {last})", CRASHED)
    elif isinstance(exc, asyncio.CancelledError):
        why, status = "its Dask task was cancelled (the scheduler restarted, or the grader lost it)", ERROR
    else:
        why, status = f"grading failed {TRIES} times on the cluster: {type(exc).__name__}: {exc}", ERROR
    return [missing_result(ex, row.submission.label) if ex.name in row.missing
            else _failed(ex, row.submission.label, why, status) for ex in exercises]


def grade_rows(address: str, course: Course, exercises: list[Exercise], rows: list,
               on_row: Callable | None = None, judged: bool = True, require_sandbox: bool = False) -> Outcome:
    """Fill in each row's results on the Dask cluster at `address` (or `local:N`); `on_row` sees each row
    as it finishes. On Ctrl-C the rest is cancelled and their rows stay empty."""
    parcels = [pack_submission(row.submission, exercises) for row in rows]  # refusals first, before any work
    digest, blob = pack_course(course.root)
    outcome = Outcome()
    with connect(address) as client:
        from distributed import Variable, as_completed

        try:
            client.wait_for_workers(1, timeout=120)
        except TimeoutError:
            raise KataError(f"No Dask worker joined the scheduler at {address} within 2 minutes.",
                            f"Start workers: `dask worker {address} --nworkers \"$(nproc)\" --nthreads 1`.") from None
        outcome.workers = len(client.nthreads())
        try:
            if require_sandbox:
                lacking = [worker for worker, has in client.run(_has_bwrap).items() if not has]
                if lacking:
                    raise KataError(f"bubblewrap (bwrap) is not installed on {len(lacking)} Dask worker(s) "
                                    f"({', '.join(sorted(lacking)[:3])}), and --require-sandbox was given.",
                                    "Install it there (Debian/Ubuntu: `apt-get install bubblewrap`) and grade again.")
            client.register_plugin(KataGrader(detach=address.startswith("local:")))
        except ImportError as exc:  # raised on a worker and sent back
            raise KataError(f"A Dask worker cannot import kata ({exc}).",
                            f"Install kata on every worker, the same version as here: `{INSTALL}`.") from None
        Variable(_variable(digest), client=client).set(blob)
        run = uuid.uuid4().hex[:8]
        futures = [client.submit(grade_parcel, parcel, exercises, digest, str(course.root), judged, require_sandbox,
                                 key=f"kata-grade-{run}-{index:06d}", pure=False, retries=TRIES - 1)
                   for index, parcel in enumerate(parcels)]
        where = {future.key: index for index, future in enumerate(futures)}
        finished = 0
        try:
            for future in as_completed(futures):
                row = rows[where[future.key]]
                if future.status == "finished":
                    wire, changed = future.result()
                    row.results = [result_from_wire(data) for data in wire]
                    outcome.checks_changed |= changed
                else:
                    try:
                        exc = future.exception()
                    except (Exception, asyncio.CancelledError) as lost:  # cancelled behind our back (the scheduler restarted)
                        exc = lost
                    row.results = _failed_row(row, exercises, exc)
                finished += 1
                if on_row is not None:
                    on_row(row)
        except KeyboardInterrupt:
            client.cancel([f for f in futures if not f.done()])
            for row in rows:
                if len(row.results) != len(exercises):
                    row.results = []
            outcome.cancelled = len(rows) - finished
    return outcome
