"""docs/authoring.md's packaging snippets, as written: the course installs, is found by either name,
and ships without its solutions when the docs say how."""

import os
import re
import shutil
import subprocess
import sys

from tests.conftest import REPO

DOCS = REPO / "docs" / "authoring.md"
EXAMPLE = REPO / "examples" / "vectors-course" / "kata_course_vectors"


def _snippets() -> list[str]:
    section = DOCS.read_text().split("## Publishing a course as a package", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```toml\n(.*?)```", section, re.S)


def _install(tmp_path, pyproject: str):
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source / "kata_course_vectors")
    (source / "pyproject.toml").write_text(pyproject)
    site = tmp_path / "site"
    proc = subprocess.run(  # offline here, as the docs say: hatchling is installed (`pip install -e '.[test]'`)
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(site), str(source)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return source, {"PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_the_docs_snippet_installs_a_course_kata_finds(kata, tmp_path):
    snippet = _snippets()[0]
    assert "[build-system]" in snippet and "hatchling" in snippet
    _, env = _install(tmp_path, snippet)
    proc = kata("courses", env=env)
    assert proc.returncode == 0 and "Vectors in plain Python (3 exercises)" in proc.stdout, proc.stdout


def test_a_course_shipped_without_solutions(kata, tmp_path):
    main, without = _snippets()[:2]
    assert "exclude" in without
    pyproject = main.replace(main[main.index("[tool.hatch.build.targets.wheel]"):], without)
    source, env = _install(tmp_path, pyproject)
    assert kata("init", "ws", "--course", "vectors", env=env).returncode == 0
    ws = tmp_path / "ws"
    proc = kata("check", "01", cwd=ws, env=env)
    assert proc.returncode == 1 and "dot" in proc.stdout
    proc = kata("solution", "01", "--yes", cwd=ws, env=env)
    assert proc.returncode == 2 and "ships no solutions" in proc.stderr

    proc = kata("verify", "--course", "vectors", env=env)
    assert proc.returncode == 2 and "--solutions DIR" in proc.stderr
    solutions = source / "kata_course_vectors" / "solutions"
    proc = kata("verify", "--course", "vectors", "--solutions", str(solutions), "--seeds", "0", env=env)
    assert proc.returncode == 0, proc.stdout
    assert "3/3 exercises verified" in proc.stdout
