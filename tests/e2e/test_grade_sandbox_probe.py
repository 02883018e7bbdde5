"""What a submission can do inside `kata grade`'s sandbox, as it reports from inside.

tests/hostile/sandbox_probe/probe.py tries the privileged operations and fails every step with
`PROBE: {json}`; this reads those messages from the `--json` rows. Every privileged operation must
fail, nothing one run leaves (a /tmp or /dev/shm file, a key) may be seen by the next, and the
uid inside must not be the host's root. The probe runs on one engine (`--jobs 1`), so its three
runs share a sandbox the way classmates' runs do.
"""

from __future__ import annotations

import json
import os
import shutil
import threading

import pytest

from tests.conftest import HOSTILE, TESTS, Kata

COURSE = TESTS / "grading_course"
PROBE = HOSTILE / "sandbox_probe" / "probe.py"
pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")

PRIVILEGED = ("uid_is_host_root", "has_capabilities", "uid_0_inside", "proc_sys_core_pattern_writable",
              "proc_sys_writable", "sysrq_trigger_writable", "sys_writable", "mount_tmpfs", "unshare_mount_ns",
              "unshare_user", "unshare_user_then_mount", "keyctl_add_key", "ptrace_parent",
              "proc_parent_mem_read", "proc_parent_mem_write", "bpf", "perf_event_open")
# x86_64 only: a 32-bit `int 0x80` call must be killed (unknown arch), an x32 call refused, and calls the
# filter names refused when made by raw number
SECCOMP_GAPS = ("int80_getpid", "int80_unshare_user", "x32_getpid", "x32_unshare_user", "clone_newuser",
                "io_uring_setup", "prctl_set_mm")


def _probes(result: dict) -> list[dict]:
    """The JSON after `PROBE: ` in each step's message of one exercise's result."""
    decoder = json.JSONDecoder()
    found = []
    for step in result["steps"]:
        text = step["message"]
        at = text.find("PROBE: ")
        if at >= 0:
            found.append(decoder.raw_decode(text, at + len("PROBE: "))[0])
    return found


@pytest.fixture(scope="module")
def probed(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("probe")
    subs = root / "class"
    subs.mkdir()
    shutil.copy(PROBE, subs / "probe.py")
    seen: dict[int, str] = {}
    done = threading.Event()
    watcher = threading.Thread(target=_watch_host_uids, args=(seen, done), daemon=True)
    watcher.start()
    try:
        proc = Kata(root)("grade", str(subs), "--course", str(COURSE), "--json", "--require-sandbox",
                          "--timeout", "5", "--jobs", "1", timeout=180)
    finally:
        done.set()
        watcher.join()
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(rows) == 1, proc.stderr
    assert "bubblewrap" in rows[0]["isolation"], rows[0]["isolation"]
    by_exercise = {}
    for result in rows[0]["results"]:
        reports = _probes(result)
        assert reports, f"{result['name']}: no PROBE message in {json.dumps(result)[:2000]}"
        by_exercise[result["name"]] = reports[0]
    by_exercise["host"] = {"uids": seen}
    return by_exercise


def _watch_host_uids(seen: dict[int, str], done: threading.Event) -> None:
    """Record, from the host, the uids of the probe's process (it names itself kata-probe while it sleeps)."""
    while not done.wait(0.05):
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() != "kata-probe":
                        continue
                with open(f"/proc/{entry}/status") as handle:
                    seen[int(entry)] = next(line for line in handle if line.startswith("Uid:"))
            except (OSError, StopIteration, ValueError):
                continue


def test_the_probe_never_passes(probed):
    assert set(probed) == {"scale", "mean", "nudge", "host"}


def test_the_learner_process_is_not_root_on_the_host(probed):
    """Seen from outside, where a user namespace cannot disguise it: no uid of the learner's process is 0."""
    uids = probed["host"]["uids"]
    assert uids, "the probe's process was never seen from the host"
    for line in uids.values():
        assert all(int(uid) != 0 for uid in line.split()[1:]), line


@pytest.mark.parametrize("what", PRIVILEGED)
def test_nothing_privileged_succeeds(probed, what):
    report = probed["scale"]
    assert "probe_error" not in report, report
    assert not report[what], f"{what}: {report[what]!r} inside the sandbox\n{json.dumps(probed['mean'])[:3000]}"


def test_nothing_an_earlier_run_left_is_seen(probed):
    left = probed["nudge"]
    assert "probe_error" not in left, left
    assert not any(left.values()), left


def test_each_run_has_namespaces_of_its_own(probed):
    """Two runs of one sandbox (two classmates, one after the other) share no namespace: not even the network
    one, where abstract Unix sockets live."""
    first, second = probed["scale"]["namespaces"], probed["mean"]["namespaces"]
    assert set(first) == set(second) == {"user", "mnt", "pid", "ipc", "uts", "net"}, (first, second)
    shared = {kind for kind in first if first[kind] == second[kind]}
    assert not shared, (first, second)


def test_only_the_run_itself_is_in_view(probed):
    """No process but the sandbox's own init and the run's: not the warm process, not another run."""
    looks = probed["mean"]
    assert "probe_error" not in looks, looks
    names = [entry.split(":", 1)[1] for entry in looks["processes"]]
    assert len(names) <= 2, looks["processes"]


@pytest.mark.parametrize("what", SECCOMP_GAPS)
def test_no_way_around_the_seccomp_filter(probed, what):
    report = probed["scale"]
    if os.uname().machine != "x86_64":
        pytest.skip("x86_64 ABIs")
    assert "seccomp_gaps_error" not in report, report
    assert what in report, report
    assert report[what] is False, f"{what}: {report[what]!r} inside the sandbox"
