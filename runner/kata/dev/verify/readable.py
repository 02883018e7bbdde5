"""What a learner reads for each catalogued mistake: the first failure, as `kata check` prints it,
fits a screen (`kata.report.MAX_FAILURE_LINES`) and holds no noise: no progress bar, no library's
path, no warning about a line that is not the learner's (or one too long to read in passing).

A mistake is the course's own picture of a learner's wrong answer, so its failure is what such a
learner will see. `kata verify` warns about each that reads badly (a problem under --strict)."""

from __future__ import annotations

import re

from kata.contract import CheckResult
from kata.dev.mistakes.catalogue import Mistake
from kata.report import MAX_FAILURE_LINES, render_result
from kata.results import PASSED

NOISE = re.compile(r"it/s\]|\d+/\d+ \[\d\d:|site-packages")  # tqdm's bars, a library's own files
WARNING_LINE = re.compile(r"^\s*(\S+):\d+: \w+Warning: (.*)$", re.M)
MAX_WARNING_CHARS = 160  # a warning about the learner's own line stays, in one short line


def readability_warnings(runs: list[tuple[Mistake, CheckResult]]) -> list[str]:
    """One line per catalogued mistake whose failure is too long or noisy to read (see the module)."""
    found = []
    for mistake, result in runs:
        if result.status == PASSED:  # not caught: `judge` says so
            continue
        text = render_result(result)
        failure = text.split("\n\nFirst failure", 1)[-1].splitlines()
        if len(failure) > MAX_FAILURE_LINES:
            found.append(f"{mistake.label}: its first failure takes {len(failure)} lines, more than the "
                         f"{MAX_FAILURE_LINES} a learner reads at once; shorten the check's message.")
        warnings = WARNING_LINE.findall(text)
        if NOISE.search(text) or any(where != str(mistake.file) or len(what) > MAX_WARNING_CHARS
                                     for where, what in warnings):
            found.append(f"{mistake.label}: its failure shows noise a learner cannot act on (a progress bar, "
                         "a library's path or a library's warning); silence it in the check.")
    return found
