"""Writes the stubs and solutions of courses/pytorch-from-scratch from template.py: `python gen.py`.

Each region of the template belongs to an exercise K and is one part:
  intro  the exercise's own prose, at the top of exercise K's files
  main   its demo, at the end of exercise K's files
  sol    the solution: in K's solution, and in every later exercise's files
  stub   the TODO version: in K's stub only
  before what later files replace: in files before K (from `from`)
  all    given code: in K's files and every later one
`until=U` drops a region from exercises after U.
"""

import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
COURSE = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.resolve().parents[1] / "pytorch-from-scratch"

NAMES = [
    "value_ops", "value_backward", "gradcheck", "tensor_backward", "broadcasting", "matmul", "sum_mean",
    "elementwise", "reshape_transpose", "no_grad", "module", "linear", "relu_softmax", "sequential",
    "mse_loss", "sgd", "momentum", "simple_neural_net", "digits",
]

HEAD = re.compile(r"^#@ (.*)$")


def regions(text):
    out, current, lines = [], None, []
    for line in text.splitlines(keepends=True):
        m = HEAD.match(line.rstrip("\n"))
        if m and m.group(1) == "end":
            out.append((current, "".join(lines)))
            current, lines = None, []
        elif m:
            assert current is None, line
            current = dict(kv.split("=") for kv in m.group(1).split())
            lines = []
        else:
            assert current is not None or not line.strip(), f"text outside a region: {line!r}"
            if current is not None:
                lines.append(line)
    return out


def build(n, kind, parts):
    intro, body, main = "", [], ""
    for attrs, text in parts:
        k = int(attrs["ex"])
        until = int(attrs.get("until", 99))
        start = int(attrs.get("from", 1))
        part = attrs["part"]
        if n > until:
            continue
        if part == "intro" and k == n:
            intro = text
        elif part == "main" and k == n:
            main = text
        elif part == "all" and n >= k:
            body.append(text)
        elif part == "sol" and (n > k or (n == k and kind == "solution")):
            body.append(text)
        elif part == "stub" and n == k and kind == "stub":
            body.append(text)
        elif part == "before" and start <= n < k:
            body.append(text)
    head = "# %%\n"
    if n >= 3:
        head += "import numpy as np\n\n"
    head += intro
    if n > 1:
        head += ("#\n# The pieces from earlier exercises are given as working code, so that this file\n"
                 "# runs on its own. Each of your TODOs raises NotImplementedError until you write it.\n")
    text = head + "\n\n# %%\n" + "".join(body).rstrip() + "\n"
    if main:
        text += "\n\n# %%\n" + main
    return text


def main():
    parts = regions((HERE / "template.py").read_text())
    for folder in ("exercises", "solutions"):
        (COURSE / folder).mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(NAMES, start=1):
        stem = f"{n:02d}_{name}.py"
        (COURSE / "exercises" / stem).write_text(build(n, "stub", parts))
        (COURSE / "solutions" / stem).write_text(build(n, "solution", parts))


if __name__ == "__main__":
    main()
