"""The grader's side of `kata grade --scheduler`: connecting to Dask, sending the course and one task
per submission, and filling in each row as its task finishes (or says why it could not).

Faults: a worker that dies mid-task has its task re-run elsewhere by the scheduler; a task that
raises is retried once. After two failures the row says so. Ctrl-C cancels what has not
finished and keeps the rows that have. Never prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Callable

from kata.contract import CRASHED, ERROR, Cause, CheckResult, StepResult, result_from_wire
from kata.course import Course, Exercise, step_names
from kata.dev.cluster.archive import pack_course
from kata.dev.cluster.identity import require_same_kata
from kata.dev.cluster.parcels import pack_submission
from kata.dev.cluster.worker import KataGrader, grade_parcel, has_bwrap, variable_name
from kata.dev.grade_chain import note_dependencies
from kata.dev.grade_one import missing_result
from kata.errors import KataError

TRIES = 2  # runs of a submission's task before its row gives up (worker deaths and errors alike)
INSTALL = "pip install 'kata[cluster]'"


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
    cluster = client = None
    try:
        if address.startswith("local:"):
            count = address.split(":", 1)[1]
            if not count.isdigit() or not 1 <= int(count) <= 256:
                raise KataError(f"--scheduler {address}: N in local:N must be a number of workers from 1 to 256.",
                                "For example `--scheduler local:2`.")
            with _ctrl_c_held_back() as interrupted:
                cluster = _local_cluster(distributed, int(count))
            if interrupted:
                raise KeyboardInterrupt
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(address, timeout="20 s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise KataError(f"Cannot reach a Dask scheduler at {address} ({exc}).",
                                "Start one with `dask scheduler` and give its address (tcp://HOST:8786), "
                                "or grade on this machine with `--scheduler local:N`.") from None
        yield client
    finally:
        # Closing while tasks run (Ctrl-C, a failed grade) makes distributed log the connections it loses,
        # tracebacks and all: the rows and the summary already say what happened.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _local_cluster(distributed, workers: int):
    import dask

    with dask.config.set({"distributed.worker.profile.enabled": False}):  # its sampling costs the checks' cores
        return distributed.LocalCluster(
            # its workers' logs too: a worker stopped mid-send by Ctrl-C logs a CommClosedError traceback,
            # and every failure a grader must see reaches its row as the task's exception
            n_workers=workers, threads_per_worker=1, processes=True, silence_logs=logging.CRITICAL,
            scheduler_kwargs={"allowed_failures": TRIES - 1, "dashboard": False, "dashboard_address": "127.0.0.1:0"})


@contextlib.contextmanager
def _ctrl_c_held_back():
    """Ctrl-C while a LocalCluster starts waits until it is up (a second or two), then stops the grade.

    Interrupted in its constructor, a cluster is half made: its workers, spawned and still unpickling
    their start, print tracebacks when the grader's semaphores go, and distributed's exit hook fails on
    the half-made worker with one more. Whole, it closes cleanly. Yields a list that holds the signal."""
    import signal
    import threading

    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


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
        require_same_kata(client, INSTALL)  # one clear error before grading, not a table of errors
        try:
            if require_sandbox:
                lacking = [worker for worker, has in client.run(has_bwrap).items() if not has]
                if lacking:
                    raise KataError(f"bubblewrap (bwrap) is not installed on {len(lacking)} Dask worker(s) "
                                    f"({', '.join(sorted(lacking)[:3])}), and --require-sandbox was given.",
                                    "Install it there (Debian/Ubuntu: `apt-get install bubblewrap`) and grade again.")
            client.register_plugin(KataGrader(detach=address.startswith("local:")))
        except ImportError as exc:  # raised on a worker and sent back
            raise KataError(f"A Dask worker cannot import kata ({exc}).",
                            f"Install kata on every worker, the same version as here: `{INSTALL}`.") from None
        Variable(variable_name(digest), client=client).set(blob)
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
                    note_dependencies(row.submission, exercises, row.results)  # as grading here does
                    outcome.checks_changed |= changed
                else:
                    try:
                        error = future.exception()
                    except (Exception, asyncio.CancelledError) as lost:  # cancelled behind our back (the scheduler restarted)
                        error = lost
                    row.results = _failed_row(row, exercises, error)
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
