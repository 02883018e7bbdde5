"""kata.procs, the process layer the engine and both sides of the judge share, on real processes."""

from __future__ import annotations

import os
import resource
import sys
import time

import pytest

from kata import procs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")


def _exit_code(pid: int) -> int:
    _, raw = os.waitpid(pid, 0)
    return os.WEXITSTATUS(raw) if os.WIFEXITED(raw) else -os.WTERMSIG(raw)


def test_stat_fields_and_parent_read_any_process_name():
    assert procs.parent_of(os.getpid()) == os.getppid()
    assert procs.stat_fields()[0] in (b"R", b"S")
    assert procs.start_time(os.getpid()) == procs.stat_fields(os.getpid())[19].decode()

    def named() -> int:  # a name of bytes that are not UTF-8, and a ")" in it, as learner code may set
        procs.prctl(procs.PR_SET_NAME, b"a) \xff\xfe x")
        return 0 if procs.parent_of(os.getpid()) == os.getppid() else 1

    assert _exit_code(procs.fork_call(named)) == 0
    assert procs.stat_fields(2**22 + 12345) is None and procs.parent_of(2**22 + 12345) is None


def test_fork_call_exits_with_the_body_s_code_or_the_failed_one():
    assert _exit_code(procs.fork_call(lambda: 3)) == 3
    assert _exit_code(procs.fork_call(lambda: 1 // 0, failed=71, report=False)) == 71


def test_kill_all_below_ends_a_tree_that_left_its_parents_but_spares_one():
    def subreaper() -> int:
        procs.become_subreaper()
        me = os.getpid()
        spared = procs.fork_call(lambda: time.sleep(60) or 0)

        def escaper() -> int:  # a double fork and setsid: the sleeper comes back to the subreaper
            os.setsid()
            procs.fork_call(lambda: time.sleep(60) or 0)
            procs.fork_call(lambda: time.sleep(60) or 0)
            return 0

        _exit_code(procs.fork_call(escaper))
        time.sleep(0.05)
        if len(procs.descendants(me)) != 3 or procs.children(me) != set(procs.descendants(me)):
            return 1
        procs.kill_all_below(me, frozenset({spared}))
        if procs.descendants(me) != [spared]:
            return 2
        procs.kill_all_below(me)
        return 0 if not procs.descendants(me) else 3

    assert _exit_code(procs.fork_call(subreaper)) == 0


def test_limit_address_space_makes_a_memory_bomb_a_memory_error():
    def bomb() -> int:
        if not procs.limit_address_space(64):
            return 1
        if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
            return 2
        try:
            bytearray(512 * 1024 * 1024)
        except MemoryError:
            return 0
        return 3

    assert _exit_code(procs.fork_call(bomb)) == 0


def test_keep_only_closes_every_other_fd():
    r, w = os.pipe()
    extra = os.dup(w)

    def body() -> int:
        procs.keep_only(w)
        try:
            os.fstat(extra)
            return 1
        except OSError:
            pass
        os.write(w, b"ok")
        return 0

    assert _exit_code(procs.fork_call(body)) == 0
    os.close(w), os.close(extra)
    assert os.read(r, 2) == b"ok"
    os.close(r)
