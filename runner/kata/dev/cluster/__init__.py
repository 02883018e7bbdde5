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

The parts: `archive` (the course as data), `parcels` (submissions as data), `worker` (the
WorkerPlugin and the task) and `grader` (`grade_rows`, the grader's side).
"""
