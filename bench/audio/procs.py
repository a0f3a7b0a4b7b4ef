"""Running a child and measuring it: wall time, and the CPU time (user + system) of the child and of the children
it waited for, from wait4(2)."""

import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    returncode: int  # negative: killed by that signal (-9 after the timeout)
    stdout: bytes
    stderr: str
    wall_s: float
    cpu_s: float


def run(argv: Sequence[str], timeout_s: float = 600.0) -> Ran:
    """Runs `argv` to completion, its stdout collected and its stderr kept in a file; killed after `timeout_s`."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        chunks: list[bytes] = []
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = start + timeout_s - time.perf_counter()
                if left <= 0:
                    proc.kill()
                    break
                if sel.select(min(left, 1.0)):
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        proc.stdout.close()
        err.seek(0)
        return Ran(returncode=proc.returncode, stdout=b"".join(chunks), stderr=err.read().decode(errors="replace"),
                   wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime)
