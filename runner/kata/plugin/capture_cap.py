"""A cap on what one step's prints may hold in memory, as the judge's sandbox has (server._Capped).

pytest's `sys` capture keeps everything a step prints in memory. Code that prints without end filled
the check child's memory until the capture itself broke ("ValueError: I/O operation on closed file",
a step that "does not run"), where judged it was an endless loop that times out. Past the cap, prints
are dropped (counted as written), so such code times out on every route, with the place it was at.
"""

from __future__ import annotations

from typing import Any

CAPTURE_LIMIT = 1 << 20  # bytes a step's captured output may hold; a step shows 8,000 characters of it
CUT_NOTE = "\n… kata kept no more of what this step printed: over 1 MB\n"

_installed = False


def cap_captured_output() -> None:
    """Make pytest's capture buffer (CaptureIO, also behind capsys) keep at most CAPTURE_LIMIT bytes."""
    global _installed
    if _installed:
        return
    from _pytest.capture import CaptureIO

    write = CaptureIO.write

    def capped(self: Any, text: str) -> int:
        room = CAPTURE_LIMIT - self.buffer.tell()  # its BytesIO's end: pytest truncates it between reads
        if room <= 0:
            return len(text)
        if len(text) > room:
            write(self, text[:room] + CUT_NOTE)
            return len(text)
        return write(self, text)

    setattr(CaptureIO, "write", capped)  # every CaptureIO, capsys's too
    _installed = True
