"""The sandboxed side of the judge: code that runs inside the sandbox, beside the learner's.

Nothing here is trusted by the judge. The zygote (`zygote.py`) forks one learner process
per run into fresh namespaces (`isolation.py`, `seccomp.py`); that process answers the
judge's requests (`server.py`, `ops.py`, `learner_values.py`, `tensor_prints.py`) with data
only. The trusted side (`kata.judge`, outside this package) never imports these modules;
both sides share only the frame format (`kata.judge.wire`) and the random state's encoding
(`kata.judge.rng`).
"""
