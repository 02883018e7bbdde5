"""Issue 24, graded for real on tests/points_course: points (weights, all or nothing, the default) are the
same in the table, CSV, JSON, JUnit XML and HTML; hidden checks run in `kata grade` and `kata verify`, never
reach a learner's workspace, and a submission that searches the sandbox for them finds nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import Kata

POINTS_COURSE = Path(__file__).resolve().parents[1] / "points_course"
MARKER = "HIDDEN-CHECK-TEXT-9c41"  # in every hidden check module, and nowhere a learner may look
SOLUTION = "".join((POINTS_COURSE / "solutions" / f).read_text() + "\n"
                   for f in ("01_add.py", "02_double.py", "03_negate.py"))
HALF = ("def add(a, b):\n    return abs(a) + abs(b)\n\n"            # fails the negative step (weight 3 of 5)
        "def double(x):\n    return x + x if x else 1\n\n"          # fails a hidden step: all or nothing
        "def negate(x):\n    return -x if x > 0 else x\n")          # 2 of 3 steps, a point each
# The marker is put together at run time, so this file's own text never holds it.
SEARCH = '''
import os, time
WANTED = "HIDDEN-CHECK-" + "TEXT-9c41"
FOUND = []

def _look(path):
    try:
        with open(path, "rb") as f:
            if WANTED.encode() in f.read(1 << 20):
                FOUND.append(path)
    except OSError:
        pass

for known in KNOWN:
    _look(known)
    try:
        for name in os.listdir(os.path.dirname(known)):
            _look(os.path.join(os.path.dirname(known), name))
    except OSError:
        pass
_until = time.monotonic() + 0.4
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    if os.path.basename(top) == "hidden" or any(f.startswith("test_0") for f in files):
        for name in files:
            _look(os.path.join(top, name))
    if time.monotonic() > _until:
        break


def _clean():
    if FOUND:
        raise RuntimeError("found the hidden checks in " + ", ".join(FOUND))
'''


def _searcher() -> str:
    known = [str(POINTS_COURSE / "hidden" / f) for f in ("test_01_add.py", "test_02_double.py")]
    body = SOLUTION.replace("    return ", "    _clean()\n    return ")
    return f"KNOWN = {known!r}\n" + SEARCH + "\n" + body


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("points")
    subs = root / "class"
    (subs / "ann").mkdir(parents=True)
    for name in ("01_add.py", "02_double.py", "03_negate.py"):
        shutil.copy(POINTS_COURSE / "solutions" / name, subs / "ann" / name)
    (subs / "bob.py").write_text(HALF)
    (subs / "eve.py").write_text(_searcher())
    proc = Kata(root)("grade", str(subs), "--course", str(POINTS_COURSE), "--csv", str(root / "g.csv"),
                      "--junit-xml", str(root / "g.xml"), "--html", str(root / "g.html"), timeout=300)
    as_json = Kata(root)("grade", str(subs), "--course", str(POINTS_COURSE), "--json", timeout=300)
    return root, proc, [json.loads(line) for line in as_json.stdout.splitlines() if line.strip()]


EXPECTED = {"ann": ("18", "18", {"add": "10/10", "double": "5/5", "negate": "3/3"}),
            "bob": ("6", "18", {"add": "4/10", "double": "0/5", "negate": "2/3"}),
            "eve": ("18", "18", {"add": "10/10", "double": "5/5", "negate": "3/3"})}


def test_the_same_points_in_every_output(graded):
    root, proc, lines = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr
    head = proc.stdout.splitlines()[0].split()
    table = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:4]}
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO((root / "g.csv").read_text()))}
    suites = {s.get("name"): s for s in ET.parse(root / "g.xml").getroot()}
    html = (root / "g.html").read_text(encoding="utf-8")
    for who, (earned, maximum, per) in EXPECTED.items():
        assert table[who][head.index("points")] == f"{earned}/{maximum}", table[who]
        row = rows[who]
        assert (row["points"], row["points_max"]) == (earned, maximum)
        assert {ex: f"{row[ex + '_points']}/{row[ex + '_points_max']}" for ex in per} == per
        data = next(line for line in lines if line["submission"] == who)
        assert (data["points"], data["points_max"]) == (float(earned), float(maximum))
        assert data["score"] == round(int(earned) / int(maximum), 4) == float(row["score"])
        assert {r["name"]: f"{r['points']:g}/{r['points_max']:g}" for r in data["results"]} == per
        props = {p.get("name"): p.get("value") for p in suites[who].find("properties")}
        assert (props["points"], props["points_max"]) == (earned, maximum)
        assert {ex: props[f"points:{ex}"] for ex in per} == per
        assert f'data-submission="{who}"' in html
    assert '<td class="num points">6/18</td>' in html and 'data-points="4/10"' in html


def test_hidden_steps_are_graded_after_the_visible_ones(graded):
    _, _, lines = graded
    bob = next(line for line in lines if line["submission"] == "bob")
    double = next(r for r in bob["results"] if r["name"] == "double")
    assert [(s["name"], s["hidden"], s["outcome"]) for s in double["steps"]] == [
        ("test_positive", False, "passed"), ("test_negative", False, "passed"),
        ("test_secret_zero", True, "failed"), ("test_secret_float", True, "passed")]
    assert double["status"] == "failed"


needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
                                 reason="the sandbox that masks hidden/ needs bubblewrap")


@needs_bwrap
def test_learner_code_searching_for_the_hidden_checks_finds_nothing(graded):
    _, _, lines = graded
    eve = next(line for line in lines if line["submission"] == "eve")
    assert "bubblewrap" in eve["isolation"]
    assert all(r["status"] == "passed" for r in eve["results"]), json.dumps(eve["results"], indent=1)[:3000]


def test_the_search_is_real_it_finds_them_unsandboxed(tmp_path):
    """The control: in local mode (no sandbox, the learner's code in the checks' process) the same search finds
    the hidden checks, so the judged test above proves the mask, not a search that cannot succeed."""
    (tmp_path / "eve.py").write_text(_searcher())
    lines = Kata(tmp_path).json("grade", str(tmp_path / "eve.py"), "--course", str(POINTS_COURSE), "--json",
                                "--mode", "local", "-e", "01", timeout=300)
    assert "found the hidden checks in" in json.dumps(lines[0]["results"])


def test_kata_init_writes_no_hidden_check(tmp_path):
    proc = Kata(tmp_path)("init", str(tmp_path / "ws"), "--course", str(POINTS_COURSE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in (tmp_path / "ws").rglob("*"):
        assert "hidden" not in path.relative_to(tmp_path / "ws").parts, path
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path


def test_verify_runs_the_hidden_checks_and_grade_refuses_a_mistyped_weight(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(POINTS_COURSE, course)
    hidden = course / "hidden" / "test_01_add.py"
    hidden.write_text(hidden.read_text().replace("10**12 + 1", "10**12 + 2"))
    proc = Kata(tmp_path)("verify", "--course", str(course), "--mutants", "0", "--seeds", "0", "--judged",
                          timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "hidden step 1 (adds large numbers) fails on the solution" in proc.stdout
    assert "also judged" in proc.stdout
    manifest = course / "kata.toml"
    manifest.write_text(manifest.read_text().replace("test_negative_numbers = 3", "test_negative_numbrs = 3"))
    (tmp_path / "ann.py").write_text(SOLUTION)
    proc = Kata(tmp_path)("grade", str(tmp_path / "ann.py"), "--course", str(course))
    assert proc.returncode == 2 and "weights names 'test_negative_numbrs'" in proc.stderr, proc.stderr


def test_looking_for_the_hidden_checks_is_flagged_and_honest_rows_are_not(graded):
    """eve reads where the hidden checks are (the sandbox shows nothing there): an integrity flag for the
    instructor, her points untouched (docs/grading.md, "Integrity")."""
    _, proc, lines = graded
    flags = {row["submission"]: row["integrity"] for row in lines}
    assert flags["ann"] == flags["bob"] == [], flags
    assert any("hidden/" in why for why in flags["eve"]), flags["eve"]
    assert MARKER not in " ".join(flags["eve"])
