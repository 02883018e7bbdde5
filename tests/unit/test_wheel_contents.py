"""The wheel ships each bundled course part by part, so a course's hidden/ checks (run only by `kata grade`)
can never ride along: no force-included source is a whole course folder, or a hidden/ folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_PARTS = {"kata.toml", "exercises", "checks", "solutions", "mistakes"}


def test_force_include_names_only_a_course_s_shipped_parts():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = data["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included
    for source in included:
        path = ROOT / source
        assert path.name in SHIPPED_PARTS, f"{source}: ship a course's parts one by one, never its folder"
        assert not (path.is_dir() and (path / "kata.toml").is_file()), source
        assert "hidden" not in Path(source).parts, source
