"""The VS Code settings `kata init` writes into a workspace, so the editor runs kata's Python.

Kept apart from `workspace.py`: it is editor knowledge, not the workspace's own state.
"""

from __future__ import annotations

import json
from pathlib import Path

from kata.workspace import Workspace


# Pylance's checks that a stub's deliberate gaps set off (`W = None  # TODO`, then `W @ x`; an
# argument a `raise NotImplementedError` body never reads), turned down so Problems shows real ones.
_QUIET_DIAGNOSTICS = {
    "reportOptionalOperand": "none", "reportOptionalMemberAccess": "none", "reportOptionalSubscript": "none",
    "reportOptionalCall": "none", "reportOptionalIterable": "none", "reportReturnType": "none",
    "reportAttributeAccessIssue": "none", "reportUnusedVariable": "none", "reportUnusedExpression": "none",
}


def write_editor_config(ws: Workspace, python: str) -> tuple[list[Path], list[Path]]:
    """`.vscode/settings.json` (the interpreter kata runs in, so Pylance finds torch; the stubs'
    TODOs kept out of Problems) and `.vscode/tasks.json` ("kata watch" in the terminal panel, and
    "kata check" whose `path:line:col: error:` lines a problem matcher underlines).
    A file already there is the learner's: kept as it is. Returns (created, kept)."""
    folder = ws.root / ".vscode"
    settings = {
        "python.defaultInterpreterPath": python,
        "python.terminal.activateEnvironment": True,
        "python.analysis.diagnosticSeverityOverrides": _QUIET_DIAGNOSTICS,
        "pylint.args": ["--disable=unused-argument,unused-variable,unreachable,fixme"],
        "flake8.args": ["--extend-ignore=F841,F811"],
        "files.exclude": {"**/__pycache__": True, ".kata": True},
    }
    kata = [python, "-m", "kata"]
    matcher = {
        "owner": "kata", "source": "kata", "fileLocation": ["autoDetect", "${workspaceFolder}"],
        "pattern": {"regexp": r"^(.+?):(\d+):(\d+): (error|warning): (.*)$",
                    "file": 1, "line": 2, "column": 3, "severity": 4, "message": 5},
    }
    tasks = {
        "version": "2.0.0",
        "tasks": [
            {"label": "kata watch", "type": "process", "command": kata[0], "args": kata[1:] + ["watch"],
             "options": {"cwd": "${workspaceFolder}"}, "isBackground": True, "problemMatcher": [],
             "presentation": {"reveal": "always", "panel": "dedicated", "focus": True, "clear": True}},
            {"label": "kata check", "type": "process", "command": kata[0],
             "args": kata[1:] + ["check", "--format", "gcc"], "options": {"cwd": "${workspaceFolder}"},
             "problemMatcher": matcher, "group": {"kind": "test", "isDefault": True},
             "presentation": {"reveal": "silent", "panel": "shared"}},
        ],
    }
    created: list[Path] = []
    kept: list[Path] = []
    folder.mkdir(exist_ok=True)
    for name, data in (("settings.json", settings), ("tasks.json", tasks)):
        path = folder / name
        text = json.dumps(data, indent=2) + "\n"
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            kept.append(path)
            continue
        created.append(path)
    return created, kept
