"""`kata grade` on a folder of mixed submissions (right, wrong, hanging, crashing, endlessly printing).

Drives the real command on the fixture course and checks the table in every format.
"""

import csv
import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from kata.engine.pool import default_jobs
from tests.conftest import FIXTURE_COURSE

RIGHT = "".join((FIXTURE_COURSE / "solutions" / f).read_text() + "\n"
                for f in ("01_add.py", "02_double.py", "03_spin.py", "04_boom.py"))
WRONG = "def add(a, b):\n    return a - b\n\ndef double(x):\n    return abs(x) * 2\n\n" \
        "def answer():\n    return 42\n\ndef one():\n    return 1\n"
EXPECTED = {  # submission -> cells of the table, in course order
    "ann": ["✓", "✓", "✓", "✓"],
    "bob": ["0/2", "2/3", "✓", "✓"],
    "cyd": ["timeout", "✓", "✓", "✓"],
    "dee": ["crashed", "crashed", "missing", "missing"],
    "eve": ["timeout", "✓", "✓", "✓"],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grades the class once; the tests read the outputs."""
    from tests.conftest import Kata

    root = tmp_path_factory.mktemp("grade")
    kata = Kata(root)
    subs = root / "class"
    subs.mkdir()
    assert kata("init", str(subs / "ann"), "--course", str(FIXTURE_COURSE)).returncode == 0
    for f in (FIXTURE_COURSE / "solutions").glob("*.py"):
        shutil.copy(f, subs / "ann" / "exercises" / f.name)
    (subs / "bob.py").write_text(WRONG)
    (subs / "cyd.py").write_text(RIGHT.replace("    return a + b", "    while True:\n        pass"))
    (subs / "dee").mkdir()
    (subs / "dee" / "01_add.py").write_text("import os\n\ndef add(a, b):\n    os._exit(3)\n")
    (subs / "dee" / "02_double.py").write_text("import ctypes\n\ndef double(x):\n    return ctypes.string_at(0)\n")
    (subs / "eve.py").write_text(RIGHT.replace("    return a + b", "    while True:\n        print('spam ' * 100)"))
    table = kata("grade", str(subs), "--course", str(FIXTURE_COURSE),
                 "--csv", str(root / "out.csv"), "--junit-xml", str(root / "out.xml"), timeout=300)
    as_json = kata("grade", str(subs), "--course", str(FIXTURE_COURSE), "--json", "--timeout", "1", timeout=300)
    return root, table, as_json


def test_terminal_table(graded):
    _, proc, _ = graded
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["submission", "01", "02", "03", "04", "passed", "steps", "points"]
    for line in lines[1:6]:
        name, *cells = line.split()
        assert cells[:4] == EXPECTED[name], line
    assert "ann" in lines[1] and "4/4" in lines[1]
    assert "5 submissions × 4 exercises graded in" in proc.stdout
    engines = min(default_jobs(), 20)  # no --jobs: KATA_JOBS (tests/conftest.py sets 1), else one per core
    assert f"over {engines} engine{'s' if engines > 1 else ''};" in proc.stdout


def test_csv(graded):
    root, _, _ = graded
    rows = {r["submission"]: r for r in csv.DictReader((root / "out.csv").open())}
    assert set(rows) == set(EXPECTED)
    assert rows["ann"]["exercises_passed"] == "4" and rows["ann"]["steps_passed"] == "9"
    assert rows["bob"]["double"] == "failed" and rows["bob"]["double_steps_passed"] == "2"
    assert rows["cyd"]["add"] == "timeout" and rows["eve"]["add"] == "timeout"
    assert rows["dee"]["add"] == "crashed" and rows["dee"]["boom"] == "missing"


def test_json_lines(graded):
    _, _, proc = graded
    assert proc.returncode == 1
    rows = {r["submission"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert set(rows) == set(EXPECTED)
    assert rows["ann"]["exercises_passed"] == 4 == rows["ann"]["exercises_total"]
    statuses = {name: [r["status"] for r in row["results"]] for name, row in rows.items()}
    assert statuses["dee"] == ["crashed", "crashed", "missing", "missing"]
    assert statuses["cyd"][0] == statuses["eve"][0] == "timeout"
    assert "exit code 3" in rows["dee"]["results"][0]["steps"][0]["message"]
    assert "summary" not in proc.stdout and "graded in" in proc.stderr


def test_junit_xml(graded):
    root, _, _ = graded
    suites = ET.parse(root / "out.xml").getroot()
    assert suites.tag == "testsuites"
    by_name = {s.get("name"): s for s in suites.findall("testsuite")}
    assert set(by_name) == set(EXPECTED)
    assert by_name["ann"].get("failures") == "0" and by_name["ann"].get("errors") == "0"
    assert by_name["ann"].get("tests") == "9"
    assert by_name["bob"].get("failures") == "3"
    timeout = by_name["cyd"].find("testcase[@classname='cyd.add']/error")
    assert timeout.get("type") == "timeout" and "time limit" in timeout.get("message")
    assert by_name["dee"].find("testcase[@classname='dee.boom']/error").get("type") == "missing"
