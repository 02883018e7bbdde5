"""The `.mistake` patch format: replace/with blocks against the exercise's solution.

    # expect: softmax ran over dim=0
    # breaks: softmax
    # replace:
        return torch.softmax(x, dim=-1)
    # with:
        return torch.softmax(x, dim=0)

Each `# replace:` text (whole lines, indentation kept) must occur exactly once in the current
solution. `parse_patch` reads a file, `apply_patch` makes the wrong module (or says which block
no longer applies and where its lines may have gone), `diff_blocks` and `format_blocks` write the
blocks that turn the solution into a given wrong file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

EXPECT = re.compile(r"^#\s*expect:\s*(.+?)\s*$")
REPLACE, WITH = "# replace:", "# with:"


class PatchError(ValueError):
    """A `.mistake` file that cannot be read, or no longer applies to the solution."""


@dataclass(frozen=True)
class Block:
    line: int  # where its `# replace:` is in the .mistake file (1-based)
    old: tuple[str, ...]
    new: tuple[str, ...]


def _trim(lines: list[str]) -> tuple[str, ...]:
    """`lines` without the blank lines at either end (they separate blocks, they are not part of one)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return tuple(lines[start:end])


def parse_patch(text: str) -> tuple[tuple[str, ...], list[Block]]:
    """The `# expect:` texts and the replace/with blocks of a `.mistake` file."""
    lines = text.splitlines()
    expects: list[str] = []
    blocks: list[Block] = []
    i = 0
    while i < len(lines) and lines[i].rstrip() != REPLACE:
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            raise PatchError(f"line {i + 1} is neither a comment nor in a block: {stripped!r}. "
                             f"Start each change with a `{REPLACE}` line.")
        if (match := EXPECT.match(stripped)):
            expects.append(match.group(1))
        i += 1
    while i < len(lines):
        start = i
        i += 1
        old: list[str] = []
        while i < len(lines) and lines[i].rstrip() not in (WITH, REPLACE):
            old.append(lines[i])
            i += 1
        if i == len(lines) or lines[i].rstrip() != WITH:
            raise PatchError(f"the `{REPLACE}` block on line {start + 1} has no `{WITH}` line after it.")
        i += 1
        new: list[str] = []
        while i < len(lines) and lines[i].rstrip() not in (WITH, REPLACE):
            new.append(lines[i])
            i += 1
        if i < len(lines) and lines[i].rstrip() == WITH:
            raise PatchError(f"line {i + 1}: a second `{WITH}` in the block of line {start + 1}.")
        block = Block(start + 1, _trim(old), _trim(new))
        if not block.old:
            raise PatchError(f"the `{REPLACE}` block on line {start + 1} replaces nothing: give the solution's "
                             "lines to change (to add lines, replace a line next to them by itself plus them).")
        blocks.append(block)
    if not blocks:
        raise PatchError(f"it changes nothing: add a `{REPLACE}` block with the solution's lines and a `{WITH}` "
                         "block with the wrong ones.")
    return tuple(expects), blocks


def occurrences(haystack: list[str], needle: tuple[str, ...]) -> list[int]:
    n = len(needle)
    return [i for i in range(len(haystack) - n + 1) if tuple(haystack[i:i + n]) == needle]


def _near(solution: list[str], old: tuple[str, ...]) -> str:
    """Where lines that no longer match exactly may have gone: moved, re-indented or edited."""
    stripped = [line.strip() for line in solution]
    want = tuple(line.strip() for line in old)
    found = occurrences(stripped, want)
    if found:
        return f"they are at line {found[0] + 1} of the solution with another indentation"
    n = len(old)
    best, where = 0.0, -1
    for i in range(max(1, len(solution) - n + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(want), "\n".join(stripped[i:i + n])).ratio()
        if ratio > best:
            best, where = ratio, i
    if best >= 0.6:
        shown = "\n".join("        " + line for line in solution[where:where + n])
        return f"the nearest match is line {where + 1} of the solution:\n{shown}"
    return "nothing in the solution comes close: the code they changed is gone"


def apply_patch(solution: str, blocks: list[Block]) -> str:
    """`solution` with each block's `old` lines replaced by its `new` ones; PatchError names a block whose
    lines are not in the solution, or are there more than once, and blocks that overlap."""
    lines = solution.splitlines()
    spans = []
    for block in blocks:
        found = occurrences(lines, block.old)
        shown = "\n".join("        " + line for line in block.old)
        if not found:
            raise PatchError(f"the `{REPLACE}` block on line {block.line} no longer applies: the solution has no "
                             f"lines\n{shown}\n    ({_near(lines, block.old)}).")
        if len(found) > 1:
            raise PatchError(f"the `{REPLACE}` block on line {block.line} matches the solution "
                             f"{len(found)} times (lines {', '.join(str(i + 1) for i in found)}):\n{shown}\n"
                             "    Give it a line more of the code around it, so that it matches once.")
        spans.append((found[0], found[0] + len(block.old), block))
    spans.sort(key=lambda span: span[0])
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise PatchError(f"the blocks on lines {first.line} and {second.line} change the same lines of the "
                             "solution: make them one block.")
    for start, end, block in reversed(spans):
        lines[start:end] = block.new
    return "\n".join(lines) + "\n"


def diff_blocks(solution: str, wrong: str) -> list[Block]:
    """The replace/with blocks that turn `solution` into `wrong` (difflib), each widened by the lines
    around it until its `replace` text occurs once in the solution and starts and ends on a non-blank line."""
    a, b = solution.splitlines(), wrong.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    spans = [[i1, i2] for tag, i1, i2, _, _ in ops if tag != "equal"]

    def new_lines(start: int, end: int) -> list[str]:
        out: list[str] = []
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                lo, hi = max(i1, start), min(i2, end)
                out += b[j1 + lo - i1:j1 + hi - i1] if lo < hi else []
            elif start <= i1 and i2 <= end:
                out += b[j1:j2]
        return out

    def settled(start: int, end: int) -> bool:
        new = new_lines(start, end)
        return (end > start and a[start].strip() != "" and a[end - 1].strip() != ""
                and (not new or (new[0].strip() != "" and new[-1].strip() != ""))
                and len(occurrences(a, tuple(a[start:end]))) == 1)

    while True:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        changed = False
        for span in merged:
            upward = True
            while not settled(*span) and (span[0] > 0 or span[1] < len(a)):
                if (upward and span[0] > 0) or span[1] == len(a):
                    span[0] -= 1
                else:
                    span[1] += 1
                upward = not upward
                changed = True
        spans = merged
        if not changed:
            break
    return [Block(0, tuple(a[start:end]), tuple(new_lines(start, end))) for start, end in spans]


def format_blocks(blocks: list[Block]) -> str:
    """`blocks` as a `.mistake` file writes them."""
    parts = []
    for block in blocks:
        parts.append("\n".join([REPLACE, *block.old, WITH, *block.new]) + "\n")
    return "\n".join(parts)
