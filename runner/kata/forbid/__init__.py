"""Modules an exercise's learner may not use (`forbid = ["torch"]` in kata.toml), enforced while their code runs.

A "from scratch" exercise rebuilds what a library does, so the learner's code must not call that
library, even though the checks may (as the oracle) and the process already has it loaded.
`rules` reads and validates the manifest's `forbid`; `rewrite` compiles the learner's file so
that every call it makes goes through `guard`, which refuses the forbidden modules at run time,
however they were reached (an import, `sys.modules`, `importlib`, a module that re-exports one,
a value stored earlier). The verdict names the call and its line, in every mode.
"""
