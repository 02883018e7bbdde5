"""kata.settings: every KATA_* variable read in one place, strictly, and the docs' table true to it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kata import settings
from kata.errors import KataError

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "runner" / "kata"
DOCS = ROOT / "docs" / "settings.md"
NOT_PYTHONS = {"KATA_AUTOGRADER_ROOT", "KATA_PYTHON"}  # read by the autograder's shell scripts


def test_unset_gives_every_default():
    s = settings.current({})
    assert (s.debug, s.engine, s.max_engines, s.engine_idle_s, s.seed, s.probe_wait_s) == (
        False, "shared", 2, 600.0, 0, 1.5)
    assert s.hyperlinks is None and s.mnist_mirrors == () and s.runtime_dir == "" and s.jobs == 0


@pytest.mark.parametrize("raw, on", [("1", True), ("true", True), ("YES", True), ("on", True),
                                     ("0", False), ("false", False), ("no", False), ("", False), ("Off", False)])
def test_a_flag_reads_what_it_says_false_is_never_true(raw, on):
    assert settings.current({"KATA_OFFLINE": raw}).offline is on
    assert settings.current({"KATA_NO_FORK": raw}).no_fork is on


@pytest.mark.parametrize("name, raw", [("KATA_DEBUG", "maybe"), ("KATA_NO_CGROUP", "2"),
                                       ("KATA_MAX_ENGINES", "two"), ("KATA_MAX_ENGINES", "0"),
                                       ("KATA_MAX_ENGINES", "1.5"), ("KATA_JOBS", "-1"), ("KATA_JOBS", "all"),
                                       ("KATA_ENGINE_IDLE_S", "-1"),
                                       ("KATA_ENGINE_IDLE_S", "nan"), ("KATA_PROBE_WAIT_S", "inf"),
                                       ("KATA_SEED", "x"), ("KATA_ENGINE", "warm"), ("KATA_HYPERLINKS", "sometimes")])
def test_a_malformed_value_is_an_error_naming_the_variable_never_a_coercion(name, raw):
    with pytest.raises(KataError) as caught:
        settings.current({name: raw})
    assert name in caught.value.message and repr(raw) in caught.value.message
    assert "unset it" in (caught.value.fix or "")


def test_typed_values():
    s = settings.current({"KATA_MAX_ENGINES": " 5 ", "KATA_ENGINE_IDLE_S": "2.5", "KATA_ENGINE": "FRESH",
                          "KATA_HYPERLINKS": "0", "KATA_MNIST_MIRRORS": "http://a/, ,http://b/", "KATA_SEED": "-3"})
    assert (s.max_engines, s.engine_idle_s, s.engine, s.hyperlinks, s.mnist_mirrors, s.seed) == (
        5, 2.5, "fresh", False, ("http://a/", "http://b/"), -3)


def test_every_kata_variable_in_the_code_is_in_the_table_and_read_only_in_settings():
    named: set[str] = set()
    readers = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named.update(re.findall(r"(?<=[\"'`$])KATA_[A-Z][A-Z_]*[A-Z]", text))  # quoted: a name, not a constant
        if path.name != "settings.py" and re.search(r"environ\.get\(\s*[\"']KATA_|getenv\([\"']KATA_"
                                                   r"|environ\[\s*[\"']KATA_\w+[\"']\s*\](?!\s*=[^=])", text):
            readers.append(str(path.relative_to(ROOT)))
    assert named - NOT_PYTHONS <= set(settings.BY_NAME), sorted(named - NOT_PYTHONS - set(settings.BY_NAME))
    assert not readers, f"KATA_* read outside kata/settings.py: {readers}"


def test_the_docs_table_lists_each_variable_with_its_default():
    rows = {m[0]: m[1] for m in re.findall(r"^\| `(KATA_[A-Z_]+)` \|[^|]*\| ([^|]+?) \|", DOCS.read_text(), re.M)}
    for var in settings.VARIABLES:
        assert rows.get(var.name) == (var.default or "unset"), var.name
    assert set(rows) == set(settings.BY_NAME) | NOT_PYTHONS | {"KATA_TEST_REQUIRE_BWRAP"}


def test_the_kata_command_says_which_variable_is_malformed_without_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kata", "list"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PACKAGE.parent),
                               "KATA_MAX_ENGINES": "two"}, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "KATA_MAX_ENGINES='two' is not a whole number" in proc.stderr and "Traceback" not in proc.stderr


def test_the_seed_alone_reads_as_current_does_and_follows_the_environment(monkeypatch):
    for raw in ("", "0", "17", " 5 ", "-3"):
        monkeypatch.setenv("KATA_SEED", raw)
        assert settings.seed() == settings.current().seed == (int(raw) if raw else 0)
    monkeypatch.setenv("KATA_SEED", "nine")
    with pytest.raises(KataError, match="KATA_SEED"):
        settings.seed()


def test_kata_jobs_sets_the_pools_default_and_unset_is_one_per_core(monkeypatch):
    from kata.engine import pool

    monkeypatch.setenv("KATA_JOBS", "3")
    assert pool.default_jobs() == 3
    for unset in ("0", ""):
        monkeypatch.setenv("KATA_JOBS", unset)
        assert pool.default_jobs() == pool.cores()
