"""Every `KATA_*` environment variable, read in one place, typed and strict.

`VARIABLES` is the table (name, kind, default, effect) that docs/settings.md shows;
`current()` reads them all from the environment into one `Settings`, and a malformed value
(`KATA_MAX_ENGINES=two`, `KATA_DEBUG=maybe`) is a `KataError` that names the variable and what it
takes, never a guess: a flag is on for 1/true/yes/on, off for 0/false/no/off or empty, and
anything else is an error. The `kata` command reads them once before it does anything
(`cli/app.py`), so a bad value stops it with that message; processes kata starts inherit an
environment already read. Standard library only: this is on `kata check`'s path.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Mapping

from kata.errors import KataError

_ON = ("1", "true", "yes", "on")
_OFF = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # flag | integer | number | choice | path | list
    default: str  # as the docs show it; "" is unset
    effect: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None


VARIABLES: tuple[Variable, ...] = (
    Variable("KATA_DEBUG", "flag", "off", "a command says why it did not use the shared engine; an internal "
             "error shows its traceback; the engines write their errors to their logs"),
    Variable("KATA_ENGINE", "choice", "shared", "`shared`: `kata check` uses the background engine kept between "
             "commands; `fresh`: each command starts its own", choices=("shared", "fresh")),
    Variable("KATA_MAX_ENGINES", "integer", "2", "how many shared engines may run at once; a new one stops the "
             "least recently used beyond it", minimum=1),
    Variable("KATA_JOBS", "integer", "0", "engines `kata grade` and `kata verify` run at once when `--jobs` is not "
             "given; 0: one per core. For a machine whose cores other work already keeps busy (a CI runner "
             "with its own parallel jobs)", minimum=0),
    Variable("KATA_ENGINE_IDLE_S", "number", "600", "seconds a shared engine waits idle before it exits",
             minimum=0.1),
    Variable("KATA_RUNTIME_DIR", "path", "", "the shared engines' folder (sockets, logs); unset: "
             "`$XDG_RUNTIME_DIR/kata`, else `$TMPDIR/kata-<uid>`"),
    Variable("KATA_NO_FORK", "flag", "off", "every run starts a new interpreter instead of a fork of the warm "
             "worker (slower; the fallback where fork is missing)"),
    Variable("KATA_NO_CGROUP", "flag", "off", "runs are limited by rlimits per process instead of a cgroup"),
    Variable("KATA_NO_HUGE_PAGES", "flag", "off", "the idle worker does not move its memory into huge pages"),
    Variable("KATA_NO_STANDBY", "flag", "off", "the idle worker forks no child ahead of the next run: every run "
             "forks at its request"),
    Variable("KATA_NO_BWRAP", "flag", "off", "judged runs do not use bubblewrap even where it is installed "
             "(a separate rlimited process instead; the row's isolation says so)"),
    Variable("KATA_TRACE", "path", "", "a file each run appends its phases' timestamps to"),
    Variable("KATA_PROFILE_DIR", "path", "", "a folder each check child writes a cProfile into"),
    Variable("KATA_SEED", "integer", "0", "the seed the plugin gives every step; set by kata in each check "
             "child (`kata verify` varies it to find flaky steps)"),
    Variable("KATA_PROBE_WAIT_S", "number", "1.5", "seconds `kata watch` waits for the file system to report a "
             "probe file before it falls back to polling", minimum=0),
    Variable("KATA_HYPERLINKS", "flag", "auto", "file names on `kata watch`'s screen as OSC 8 links: on or off "
             "outright; unset: as the terminal is known to support them"),
    Variable("KATA_OFFLINE", "flag", "off", "MNIST is never downloaded (a folder, the cache, else the "
             "handwritten-digits fallback)"),
    Variable("KATA_MNIST_MIRRORS", "list", "", "comma-separated URLs tried for MNIST instead of torchvision's "
             "mirrors"),
    Variable("KATA_MNIST_DIR", "path", "", "a folder of raw MNIST IDX files, used first"),
    Variable("KATA_DATA_DIR", "path", "", "where MNIST is downloaded and cached; unset: "
             "`$XDG_CACHE_HOME/kata/data`, else `~/.cache/kata/data`"),
)
BY_NAME = {v.name: v for v in VARIABLES}


@dataclass(frozen=True)
class Settings:
    debug: bool
    engine: str
    max_engines: int
    jobs: int
    engine_idle_s: float
    runtime_dir: str
    no_fork: bool
    no_cgroup: bool
    no_huge_pages: bool
    no_standby: bool
    no_bwrap: bool
    trace: str
    profile_dir: str
    seed: int
    probe_wait_s: float
    hyperlinks: bool | None  # None: unset, decided by the terminal
    offline: bool
    mnist_mirrors: tuple[str, ...]
    mnist_dir: str
    data_dir: str


def _bad(var: Variable, raw: str, takes: str) -> KataError:
    default = f"(default {var.default})" if var.default else "(unset by default)"
    to = " or ".join(f"{var.name}={c}" for c in var.choices) if var.choices else f"{var.name} to {takes}"
    return KataError(f"{var.name}={raw!r} is not {takes}.", f"Set {to} {default}, or unset it.")


def _value(var: Variable, raw: str) -> object:
    text = raw.strip()
    if var.kind == "flag":
        if text.lower() in _ON:
            return True
        if text.lower() in _OFF:
            return None if var.default == "auto" and not text else False
        raise _bad(var, raw, "a flag: 1/true/yes/on or 0/false/no/off")
    if var.kind in ("integer", "number"):
        if not text:
            text = var.default
        try:
            number: float = int(text) if var.kind == "integer" else float(text)
        except ValueError:
            raise _bad(var, raw, "a whole number" if var.kind == "integer" else "a number") from None
        if number != number or number in (float("inf"), float("-inf")) or (
                var.minimum is not None and number < var.minimum):
            raise _bad(var, raw, f"a number of at least {var.minimum:g}")
        return number
    if var.kind == "choice":
        text = text.lower() or var.default
        if text not in var.choices:
            raise _bad(var, raw, " or ".join(var.choices))
        return text
    if var.kind == "list":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text  # path: kept as written (a relative path is the command's folder's)


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """Every KATA_* variable of `environ` (default: this process's), read strictly."""
    env = os.environ if environ is None else environ
    values = {v.name[len("KATA_"):].lower(): _value(v, env.get(v.name, "")) for v in VARIABLES}
    return Settings(**values)  # type: ignore[arg-type]  # each kind gives its field's type


def seed() -> int:
    """KATA_SEED alone, read as strictly as `current()` does, parsed once per value: the plugin
    seeds twice a step, and reading every KATA_* variable each time cost ~0.1 ms a call."""
    return _seed(os.environ.get("KATA_SEED", ""))


@functools.lru_cache(maxsize=8)
def _seed(raw: str) -> int:
    return int(_value(BY_NAME["KATA_SEED"], raw))  # type: ignore[call-overload]  # an integer variable


def debug() -> bool:
    """KATA_DEBUG alone, for the places that report an error already: a malformed value is off there."""
    try:
        return bool(_value(BY_NAME["KATA_DEBUG"], os.environ.get("KATA_DEBUG", "")))
    except KataError:
        return False
