"""`python -m kata.dev.mistakes mistakes/NN_name/NAME.mistake`: print the wrong module it stands for."""

from __future__ import annotations

from pathlib import Path

from kata.dev.mistakes.catalogue import wrong_source
from kata.dev.mistakes.patch import PatchError


def main(argv: list[str] | None = None) -> int:
    """`python -m kata.dev.mistakes mistakes/NN_name/NAME.mistake`: print the wrong module it stands for
    (the course's solutions/NN_name.py patched), e.g. to run `kata check NN --file` on it."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kata.dev.mistakes mistakes/NN_name/NAME.mistake", file=sys.stderr)
        return 2
    path = Path(args[0]).resolve()
    try:
        sys.stdout.write(wrong_source(path, path.parents[2] / "solutions" / f"{path.parent.name}.py"))
    except (PatchError, OSError, UnicodeDecodeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
