"""The README tells learners how to take PyTorch's CPU-only build, and keeps the default command."""

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
LEARNERS = README.split("## For learners", 1)[1].split("\n## ", 1)[0]


def test_the_cpu_only_build_is_explained_for_learners_with_pytorchs_own_page():
    assert "--index-url https://download.pytorch.org/whl/cpu" in LEARNERS
    assert "https://pytorch.org/get-started/locally/" in LEARNERS
    cpu_first = LEARNERS.index("download.pytorch.org/whl/cpu")
    assert cpu_first < LEARNERS.index("pip install . &&")  # torch first, then kata keeps it


def test_the_default_command_still_comes_first():
    assert README.splitlines()[4].strip().startswith("python3 -m venv .venv && .venv/bin/pip install . &&")
