"""`kata engine status|stop`: the warm engine `kata check` keeps between commands (docs/warm-engine.md)."""

from __future__ import annotations

import json

import click


@click.group("engine")
def engine_group() -> None:
    """The warm engine `kata check` keeps between commands."""


@engine_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_cmd(as_json: bool) -> None:
    """Show the warm engines running for you."""
    from kata.engine.shared import shared_engine_status

    status = shared_engine_status()
    if as_json:
        click.echo(json.dumps(status))
        return
    if status["mode"] == "fresh":
        click.echo("KATA_ENGINE=fresh: every command starts its own engine. Unset it to share one.")
    if status["refused"]:
        click.echo(f"No shared engine: {status['refused']}")
        return
    if not status["engines"]:
        click.echo("No warm engine is running; the next `kata check` starts one.")
        return
    for engine in status["engines"]:
        click.echo(f"{'*' if engine['current'] else ' '} pid {engine['pid']}  worker {engine['worker_pid'] or '-'}  "
                   f"{engine['runs']} checks  {engine['memory_mb']:.0f} MB  idle {engine['idle_s']:.0f}/{engine['idle_limit_s']:.0f} s  "
                   f"{engine['cwd']}")
    click.echo("Memory: each engine's processes together (daemon, worker, its children), pages they share "
               "counted once.")
    click.echo("`kata engine stop` stops them; they also stop by themselves when idle, and a new one stops "
               "the least recently used beyond the cap (KATA_MAX_ENGINES, default 2).")


@engine_group.command("stop")
def stop_cmd() -> None:
    """Stop every warm engine (they also stop after 10 idle minutes)."""
    from kata.engine.shared import stop_shared_engine

    stopped = stop_shared_engine()
    click.echo(f"Stopped {stopped} warm engine(s)." if stopped else "No warm engine was running.")
