"""`%%kata NN` on a locked exercise writes nothing: its stub may carry an earlier exercise's answer.

The magic runs in this process (no kernel needed for a refusal): a real workspace, the real magic class.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURE_COURSE


def test_a_cell_for_a_locked_exercise_is_refused_and_nothing_is_written(tmp_path, kata, monkeypatch):
    pytest.importorskip("IPython")
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(FIXTURE_COURSE)).returncode == 0
    monkeypatch.chdir(ws)
    import kata.ipython as magic

    shown: list[str] = []
    monkeypatch.setattr(magic, "_show_text", shown.append)
    magic.KataMagics(shell=None).kata("02", "def double(x):\n    return 2 * x\n")
    assert shown and "locked" in shown[0], shown
    assert not (ws / ".kata" / "cells").exists() or not any((ws / ".kata" / "cells").iterdir())
    assert not any(p.name.startswith("02") for p in (ws / "exercises").iterdir())
