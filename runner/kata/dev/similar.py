"""`kata grade --similar`: pairs of submissions whose code for an exercise is near-identical.

Each submission's code for an exercise (the file `kata grade` grades; of a one-file submission,
the top-level functions and classes the exercise's stub defines) is normalised so that renaming and
reformatting change nothing: parsed, docstrings and comments dropped, every name that is not a
builtin (variables, arguments, functions, imported modules and their aliases) made one name
(attributes and keyword arguments, the library's API, stay), string literals made one, then printed back and cut into tokens. Two
submissions' similarity on an exercise is the Jaccard index of their sets of SHINGLE consecutive
tokens, leaving out every shingle of the exercise's stub (code everyone was given is no evidence).
An exercise where either side kept fewer than MIN_OWN shingles of its own (a stub left as it was, a
two-line answer every solver writes) is not compared.

Pure: sources in, pairs out. kata only points; the instructor decides.
"""

from __future__ import annotations

import ast
import builtins
import io
import itertools
import tokenize
from dataclasses import dataclass, field

SHINGLE = 5  # tokens per shingle
MIN_OWN = 8  # shingles of its own (not in the stub) an answer needs to be compared
DEFAULT_THRESHOLD = 0.8
_BUILTINS = frozenset(dir(builtins)) | {"self", "cls", "__name__", "__file__"}


@dataclass
class Pair:
    """Two submissions and the exercises on which their code is at least the threshold alike."""

    first: str
    second: str
    exercises: list[tuple[str, float]] = field(default_factory=list)  # ("01 scale", similarity)

    @property
    def score(self) -> float:
        return max(score for _, score in self.exercises)


class _Canon(ast.NodeTransformer):
    """Every name one name (attributes and keywords, the library's API, stay), docstrings dropped, string
    literals made one. One name for all, not one per name in order of appearance: the stub's own code must
    read the same in every file, whatever the answer added before it."""

    def canon(self, name: str) -> str:
        return name if name in _BUILTINS else "v"

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.canon(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.canon(node.arg)
        node.annotation = None
        return node

    def _body(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        return node

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        node.name = self.canon(node.name)  # type: ignore[attr-defined]
        node.returns = None  # type: ignore[attr-defined]
        self._body(node)
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self.canon(node.name)
        self._body(node)
        return self.generic_visit(node)

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self._body(node)
        return self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        node.name = ".".join(self.canon(part) for part in node.name.split("."))
        node.asname = None  # `import torch as T` is `import torch`
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.module:
            node.module = ".".join(self.canon(part) for part in node.module.split("."))
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, (str, bytes)):
            return ast.Constant(value="s")
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is None:
            return ast.Pass()
        return self.generic_visit(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.Constant(value="s")


def tokens(source: str, keep: set[str] | None = None) -> list[str]:
    """`source` normalised (see the module's doc) into tokens; only the top-level functions and classes
    named in `keep` when it is given and names any of them. [] when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    if keep:
        defs: list[ast.stmt] = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                        ast.ClassDef)) and n.name in keep]
        if defs:
            tree.body = defs
    try:
        text = ast.unparse(ast.fix_missing_locations(_Canon().visit(tree)))
        return [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENDMARKER)
                and t.string.strip()]
    except (RecursionError, ValueError, SyntaxError, tokenize.TokenError, MemoryError):
        return []


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def defined_names(source: str) -> set[str]:
    """The top-level functions and classes a stub defines: what the learner writes for the exercise."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def similar_pairs(exercises: list[tuple[str, str, dict[str, tuple[str, bool]]]],
                  threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:
    """Pairs of submissions at least `threshold` alike on some exercise, most alike first.

    `exercises`: (exercise label "01 scale", its stub's source, {submission: (its source, whether that
    source is one file holding every exercise)}), in course order.
    """
    found: dict[tuple[str, str], Pair] = {}
    for label, stub, sources in exercises:
        keep = defined_names(stub)
        given = shingles(tokens(stub))
        own: dict[str, set] = {}
        for sub, (source, whole) in sources.items():
            mine = shingles(tokens(source, keep if whole else None)) - given
            if len(mine) >= MIN_OWN:
                own[sub] = mine
        for a, b in itertools.combinations(own, 2):
            score = jaccard(own[a], own[b])
            if score >= threshold:
                pair = found.setdefault((a, b), Pair(a, b))
                pair.exercises.append((label, round(score, 2)))
    return sorted(found.values(), key=lambda p: (-p.score, -len(p.exercises), p.first, p.second))


def to_text(pairs: list[Pair], threshold: float) -> str:
    """The pairs as lines for the terminal, or a line saying there are none."""
    if not pairs:
        return f"similar code: no two submissions at least {threshold:.2f} alike on any exercise"
    lines = [f"similar code: {len(pairs)} pair{'' if len(pairs) == 1 else 's'} at least {threshold:.2f} alike "
             "(names and formatting ignored, the stub left out); look at them before deciding anything:"]
    for pair in pairs:
        each = ", ".join(f"{label} {score:.2f}" for label, score in pair.exercises)
        lines.append(f"  {pair.score:.2f}  {pair.first}  ~  {pair.second}:  {each}")
    return "\n".join(lines)


def collect(exercises: list, subs: list) -> list[tuple[str, str, dict[str, tuple[str, bool]]]]:
    """What `similar_pairs` compares, read from the submissions (kata.dev.submissions): each exercise's
    stub and, per submission, the file `kata grade` grades for it (a notebook as its code cells), read
    through the same size cap and without following links. A file that cannot be read is left out."""
    from kata.learner_source import read_source

    out = []
    for ex in exercises:
        try:
            stub = ex.stub.read_text(encoding="utf-8", errors="replace") if ex.stub and ex.stub.is_file() else ""
        except OSError:
            stub = ""
        sources: dict[str, tuple[str, bool]] = {}
        for sub in subs:
            path = sub.file_for(ex)
            if path is None or path.is_symlink():
                continue
            try:
                sources[sub.label] = (read_source(path, follow=False), sub.is_file)
            except Exception:  # unreadable, too large, not a notebook kata can read: not compared
                continue
        out.append((f"{ex.id} {ex.name}", stub, sources))
    return out
