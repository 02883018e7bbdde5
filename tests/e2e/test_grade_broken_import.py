"""A one-file submission whose import hangs or fails is judged once for all its exercises, and every
exercise gets the status the first got (`timeout` for a hang, `error` for a syntax error), in any order."""

import pytest

from tests.conftest import FIXTURE_COURSE


@pytest.mark.parametrize("mode", ["judged", "local"])
def test_a_hanging_import_costs_one_timeout(kata, tmp_path, mode):
    subs = tmp_path / "class"
    subs.mkdir()
    (subs / "hangs.py").write_text("while True:\n    pass\n")
    (subs / "typo.py").write_text("def add(a, b)\n    return a + b\n")
    rows = {row["submission"]: row for row in kata.json("grade", str(subs), "--course", str(FIXTURE_COURSE),
                                                           "--json", "--jobs", "1", "--mode", mode, timeout=300)}
    hangs = [r["status"] for r in rows["hangs"]["results"]]
    assert hangs == ["timeout"] * len(hangs), hangs  # as when the exercises run at once, one per core
    for result in rows["hangs"]["results"][1:]:
        assert "does not import (see 01 add)" in result["message"], result
    typo = rows["typo"]["results"]
    assert "syntax error" in typo[0]["steps"][0]["message"]
    assert all("does not import (see 01 add)" in r["message"] for r in typo[1:]), typo
