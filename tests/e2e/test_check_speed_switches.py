"""The speed machinery changes no verdict: the same checks give the same verdicts with each piece off.

The standby child (`KATA_NO_STANDBY=1`), huge pages (`KATA_NO_HUGE_PAGES=1`) and the shared daemon
(`KATA_ENGINE=fresh`) each make a second code path; bench/latency.py --machinery measures what each
buys. Here real `kata check` commands on the fixture course give a pass, a failed step, a timeout
and a crash, each twice in a row (the second run of a warm engine is the one the standby serves),
and the verdicts must be equal to those with everything on. `KATA_TRACE` shows that each switch
really changed the path taken, so the comparison is never between two identical runs.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE, Kata

CASES = [("01", "solutions"), ("02", "exercises"), ("03", "exercises"), ("04", "exercises")]
SWITCHES = {"standby": {"KATA_NO_STANDBY": "1"}, "huge pages": {"KATA_NO_HUGE_PAGES": "1"},
            "daemon": {"KATA_ENGINE": "fresh"}}


def verdicts(kata: Kata, ws: Path, trace: Path, env: dict[str, str]) -> tuple[list, Counter, set[str]]:
    """Each case's verdict twice (status, and each step's outcome and message), the trace's labels
    and the pids of the workers that took the requests."""
    found = []
    for exercise, folder in CASES:
        [answer] = (FIXTURE_COURSE / folder).glob(f"{exercise}_*.py")
        for _ in range(2):
            proc = kata("check", exercise, "--file", str(answer), "--json", cwd=ws,
                        env={"KATA_TRACE": str(trace), **env})
            assert proc.stdout.strip(), proc.stderr
            verdict = json.loads(proc.stdout)
            found.append((exercise, verdict["status"],
                          [(s["name"], s["outcome"], s["message"]) for s in verdict["steps"]]))
    marks = [line.split(" ", 2)[1:] for line in trace.read_text().splitlines()]
    return found, Counter(label for _, label in marks), {pid for pid, label in marks if label == "request"}


@pytest.fixture(scope="module")
def all_on(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Counter, set[str]]:
    tmp = tmp_path_factory.mktemp("all-on")
    kata = Kata(tmp)
    assert kata("init", str(tmp / "ws"), "--course", str(FIXTURE_COURSE)).returncode == 0
    return verdicts(kata, tmp / "ws", tmp / "trace", {})


def test_with_everything_on_the_cases_take_the_fast_paths(all_on) -> None:
    found, labels, workers = all_on
    assert [status for _, status, _ in found] == ["passed"] * 2 + ["failed"] * 2 + ["timeout"] * 2 + ["crashed"] * 2
    assert labels["standby got its run"] >= 4  # the second run of each case, at least
    assert labels["huge pages"] >= 1
    assert len(workers) == 1  # one daemon's worker took every command


@pytest.mark.parametrize("switch", SWITCHES)
def test_each_switch_gives_the_same_verdicts(switch: str, all_on, kata: Kata, fixture_ws: Path,
                                             tmp_path: Path) -> None:
    found, labels, workers = verdicts(kata, fixture_ws, tmp_path / "trace", SWITCHES[switch])
    assert found == all_on[0]
    if switch == "standby":
        assert labels["standby got its run"] == 0 and labels["standby forked"] == 0
    elif switch == "huge pages":
        assert labels["huge pages"] == 0
    else:
        assert len(workers) == 2 * len(CASES)  # a worker of its own for each command
