"""Judged mode: verdicts made outside the learner's code, for `kata grade`.

The check module runs in a trusted process that never imports the learner's
file; the learner's code runs in a sandboxed process (bubblewrap when it is
installed) and only data crosses between them. See docs/security.md.

- `wire`: frames of JSON plus raw tensor bytes; the only format that crosses.
- `remote`: the judge's proxies (`RemoteModule`, handles, shared tensors, autograd).
- `fixture`: the plugin's `exercise` fixture in judged mode, and `learner_side`.
- `server`, `ops`, `rng`: the learner's side, answering the judge.
- `zygote`: the sandbox's warm process, one fork per run, nothing left after it.
- `sandbox`: starting the zygote under bubblewrap, from the worker.
- `intake`: what a grader accepts as a submission's file (no symlinks, no giants).
"""
