"""`kata export gradescope`: a course as a Gradescope autograder zip.

Gradescope unzips the autograder into `/autograder/source`, runs `setup.sh` once when it builds the
image, then, per submission, `run_autograder` with the student's files in `/autograder/submission`,
and reads `/autograder/results/results.json` (gradescope-autograders.readthedocs.io). The zip holds:

- `course/`: what grading needs, as the Dask archive sends it (kata.toml, exercises/, checks/,
  hidden/; never solutions/ or mistakes/: kata.dev.cluster.archive.course_files), and the course's
  `requirements.txt` when it has one;
- `setup.sh`: apt-installs bubblewrap (the sandbox) where the image allows, then pip-installs kata
  (the spec given at export, since a course may pin its own build) and the course's requirements into
  a virtual environment of its own (newer images refuse pip installs into the system Python);
- `run_autograder`: grades with the best isolation there is. First `--require-sandbox` (judged mode,
  the learner's code in a bubblewrap sandbox that masks course folders, hidden/ included); where
  the container cannot run bubblewrap, judged mode without it, and the results' output says which
  isolation applied (kata writes `Isolation: ...` into results.json), so no mark made without a
  sandbox looks like one made with it. Before grading it closes `source/` and `results/` to every
  user but root (chmod 700): without bubblewrap, kata (as root) runs each learner process as the
  unprivileged user `nobody` (kata.judge.sandboxed.learner_process), which then reads neither the
  course's hidden checks nor the results, and reaches only what any user may (setup.sh leaves the
  virtual environment world-readable, outside `source/`). If kata itself fails, a results.json with score 0 and the
  error is written, so the student sees why rather than a blank autograder failure.

`KATA_AUTOGRADER_ROOT` (default `/autograder`) and `KATA_PYTHON` (default setup.sh's virtual environment,
`/autograder/kata-venv/bin/python`) let a test run
the same script in a temporary folder laid out like Gradescope's.
"""

from __future__ import annotations

import shlex
import zipfile
from pathlib import Path

from kata.course import Course
from kata.dev.cluster.archive import course_files

EXECUTABLE = 0o100755 << 16  # a regular file, rwxr-xr-x, in the zip's external attributes

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -eu
cd "$(dirname "$0")"
if command -v apt-get >/dev/null; then
  apt-get update && apt-get install -y bubblewrap python3-venv python3-pip \\
    || echo "warning: could not install bubblewrap: submissions will be graded without a sandbox"
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \\
  || {{ echo "kata needs Python 3.11 or newer: choose a newer base image (Ubuntu 24.04)"; exit 1; }}
# A virtual environment of its own: newer images refuse pip installs into the system Python (PEP 668).
python3 -m venv /autograder/kata-venv
# PyTorch for the CPU first (kata depends on it; the default wheel brings gigabytes of CUDA).
/autograder/kata-venv/bin/python -m pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu
/autograder/kata-venv/bin/python -m pip install {kata}
if [ -f course/requirements.txt ]; then /autograder/kata-venv/bin/python -m pip install -r course/requirements.txt; fi
# Without bubblewrap the learner's code runs as nobody: it must reach Python, torch and kata (outside
# source/, which run_autograder closes), and nothing else of /autograder's.
chmod o+x /autograder
chmod -R a+rX /autograder/kata-venv
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission. Exit status does not matter: results.json does.
set -u
AG="${{KATA_AUTOGRADER_ROOT:-/autograder}}"
PY="${{KATA_PYTHON:-/autograder/kata-venv/bin/python}}"
RESULTS="$AG/results/results.json"
LOG="$AG/results/kata.log"
mkdir -p "$AG/results"
rm -f "$RESULTS"
# Only root reads the course (hidden checks included) and the results: without bubblewrap the
# learner's code runs as nobody (kata grade as root), which must reach neither.
chmod 700 "$AG/source" "$AG/results"
grade() {{
  "$PY" -m kata grade "$AG/submission" --course "$AG/source/course" --gradescope "$RESULTS" "$@" >>"$LOG" 2>&1
}}
# The best isolation first: bubblewrap's sandbox, required.
grade --require-sandbox
if [ ! -s "$RESULTS" ]; then
  echo "kata: no bubblewrap sandbox here; grading in judged mode without it" >>"$LOG"
  grade
fi
if [ ! -s "$RESULTS" ]; then
  "$PY" - "$RESULTS" "$LOG" <<'PYEOF'
import json, sys
log = open(sys.argv[2], encoding="utf-8", errors="replace").read()[-4000:]
json.dump({{"score": 0, "output": "The autograder could not grade this submission:\\n" + log,
           "tests": []}}, open(sys.argv[1], "w"))
PYEOF
fi
chmod 600 "$RESULTS" "$LOG" 2>/dev/null
cat "$LOG"
"""


def build_autograder(course: Course, out: Path, kata_spec: str = "kata") -> list[str]:
    """Writes the zip to `out`; returns the names it holds."""
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP.format(kata=" ".join(shlex.quote(p) for p in kata_spec.split()))),
                           ("run_autograder", RUN.format())):
            info = zipfile.ZipInfo(name)
            info.external_attr = EXECUTABLE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
            names.append(name)
        files = course_files(course.root)
        requirements = course.root / "requirements.txt"
        if requirements.is_file():
            files.append(("requirements.txt", requirements))
        for rel, path in files:
            archive.write(path, f"course/{rel}")
            names.append(f"course/{rel}")
    return names
