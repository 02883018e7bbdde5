"""Training you can see, in the terminal: a loss curve, and digits with a net's guesses.

For the demos of the training exercises (under `if __name__ == "__main__":`, so checks never pay
for them):

    from kata.feedback.plots import loss_curve, digits_with_guesses
    print(loss_curve(losses))                        # a list of floats, or a 1-D tensor
    print(digits_with_guesses(images, labels, guesses))

`loss_curve` draws with uniplot when it is installed (a kata dependency) and with a plain chart
of block characters when it is not. `digits_with_guesses` draws each image with
`kata.data.render_digit` (half-blocks) and writes the label and the guess under it. Both return
text; torch is never imported here.
"""

from __future__ import annotations

import math
import shutil
from typing import Any, Sequence

BARS = " ▁▂▃▄▅▆▇█"


def _floats(values: Any) -> list[float]:
    if hasattr(values, "detach"):
        values = values.detach().cpu().reshape(-1).tolist()
    out = []
    for v in values:
        v = float(v.item() if hasattr(v, "item") else v)
        out.append(v)
    return out


def loss_curve(losses: Any, title: str = "loss during training", width: int = 60, height: int = 10,
               x_label: str = "step") -> str:
    """The loss after each step (or epoch) as a chart in text, `width` × `height` characters inside
    its frame. Uses uniplot when installed, else `plain_curve`."""
    values = _floats(losses)
    if not values:
        return f"{title}: nothing to draw (no losses were recorded)"
    try:
        from uniplot import plot_to_string
    except ImportError:
        return plain_curve(values, title, width, height, x_label)
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return plain_curve(values, title, width, height, x_label)
    try:
        chart = plot_to_string(finite, title=title, width=width, height=height, lines=True, color=False)
    except Exception:  # an older or newer uniplot that takes other options: the plain chart says the same
        return plain_curve(values, title, width, height, x_label)
    text = chart if isinstance(chart, str) else "\n".join(chart)
    return text.rstrip() + "\n" + _summary(values, x_label)


def plain_curve(losses: Any, title: str = "loss during training", width: int = 60, height: int = 10,
                x_label: str = "step") -> str:
    """The same chart without uniplot: a column of block characters per group of steps, the
    y axis from 0 (or the lowest loss, when negative) to the highest."""
    values = [v for v in _floats(losses) if math.isfinite(v)]
    if not values:
        return f"{title}: nothing to draw (no finite losses)"
    columns = _buckets(values, max(1, min(width, len(values))))
    top, bottom = max(values), min(0.0, min(values))
    span = (top - bottom) or 1.0
    label_width = max(len(_number(top)), len(_number(bottom)))
    rows = []
    for row in range(height, 0, -1):  # the top row first; each row holds 8 eighths of a block
        cells = []
        for v in columns:
            eighths = round((v - bottom) / span * height * 8)
            cells.append(BARS[max(0, min(8, eighths - (row - 1) * 8))])
        label = _number(top) if row == height else _number(bottom) if row == 1 else ""
        rows.append(f"{label:>{label_width}} │{''.join(cells)}")
    axis = " " * label_width + " └" + "─" * len(columns)
    steps = f"{x_label}s 1–{len(values)}" if x_label else f"1–{len(values)}"
    return "\n".join([title.center(label_width + 2 + len(columns)).rstrip(), *rows, axis,
                      " " * (label_width + 2) + steps, _summary(values, x_label)])


def _buckets(values: list[float], n: int) -> list[float]:
    """`values` in `n` groups of consecutive steps, each its mean."""
    out = []
    for i in range(n):
        part = values[i * len(values) // n:(i + 1) * len(values) // n] or [values[min(i, len(values) - 1)]]
        out.append(sum(part) / len(part))
    return out


def _summary(values: list[float], x_label: str) -> str:
    first, last = values[0], values[-1]
    change = f", {last / first:.0%} of where it started" if first and math.isfinite(last / first) else ""
    return f"{x_label or 'step'} 1: {_number(first)}  →  {x_label or 'step'} {len(values)}: {_number(last)}{change}"


def _number(v: float) -> str:
    return f"{v:.3g}"


def digits_with_guesses(images: Any, labels: Sequence[Any], guesses: Sequence[Any], width: int | None = None,
                        threshold: float = 0.5) -> str:
    """Each image drawn with half-blocks, side by side as many as fit in `width` columns (the
    terminal's by default), with `label → guess` and ✓ or ✗ under it. `images` are (28, 28),
    (1, 28, 28) or flat (784,) each; labels and guesses are ints (or 0-d tensors)."""
    from kata.data.render import render_digit

    width = width or shutil.get_terminal_size((100, 24)).columns
    drawn = []
    for image, label, guess in zip(images, labels, guesses):
        label, guess = _int(label), _int(guess)
        lines = _crop(render_digit(image, threshold=threshold).splitlines())
        side = max((len(line) for line in lines), default=0)
        caption = f"{label} → {guess} {'✓' if label == guess else '✗'}"
        drawn.append(([line.ljust(side) for line in lines], caption.center(max(side, len(caption)))))
    if not drawn:
        return ""
    cell = max(max(len(lines[0]) if lines else 0, len(caption)) for lines, caption in drawn) + 2
    per_row = max(1, width // cell)
    blocks = []
    for start in range(0, len(drawn), per_row):
        group = drawn[start:start + per_row]
        height = max(len(lines) for lines, _ in group)
        rows = ["".join((lines[i] if i < len(lines) else "").ljust(cell) for lines, _ in group).rstrip()
                for i in range(height)]
        rows.append("".join(caption.ljust(cell) for _, caption in group).rstrip())
        blocks.append("\n".join(rows))
    right = sum(1 for (_, caption) in drawn if "✓" in caption)
    return "\n\n".join(blocks) + f"\n(label → the net's guess: {right} of {len(drawn)} right)"


def _crop(lines: list[str]) -> list[str]:
    """A drawn digit without its empty margins: the blank rows above and below, the blank columns
    on either side (MNIST centres each digit in a 20 × 20 box of its 28 × 28)."""
    lines = [line.rstrip() for line in lines]
    drawn = [i for i, line in enumerate(lines) if line.strip()]
    if not drawn:
        return lines[:1] or [""]
    lines = lines[drawn[0]:drawn[-1] + 1]
    left = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return [line[left:] for line in lines]


def _int(value: Any) -> int:
    return int(value.item() if hasattr(value, "item") else value)
