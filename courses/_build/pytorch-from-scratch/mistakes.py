"""Writes mistakes/NN_name/*.py from mistake_list.py: each a copy of the solution with one small edit, headed by
its `# expect:` texts and what the learner did wrong. `python mistakes.py [NN ...]` (after gen.py)."""
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parents[2] / "pytorch-from-scratch"
M = []


def mistake(ex, name, expects, comment, *edits):
    M.append((ex, name, expects, comment, edits))


exec(Path(__file__).with_name("mistake_list.py").read_text())


def main(only=None):
    sols = {p.name[:2]: p for p in (COURSE / "solutions").glob("*.py")}
    for ex, name, expects, comment, edits in M:
        if only and ex not in only:
            continue
        sol = sols[ex]
        text = sol.read_text()
        for old, new in edits:
            count = text.count(old)
            assert count == 1, f"{ex}/{name}: {old!r} occurs {count} times"
            text = text.replace(old, new)
        head = "".join(f"# expect: {e}\n" for e in expects) + "".join(f"# {line}\n" for line in comment.splitlines())
        folder = COURSE / "mistakes" / sol.stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.py").write_text(head + text)


if __name__ == "__main__":
    main(sys.argv[1:])
