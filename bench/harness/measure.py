"""Readings of a running process from /proc: CPU time, resident memory, and its peak.

A process that is gone reads as NaN (memory) or 0 (CPU): a measurement never raises because a front died; the
runner notices a dead front on its own (cluster.check_alive).
"""

import math
import os
from pathlib import Path


def memory_mib(pid: int, field: str) -> float:
    """A kB field of /proc/PID/status in MiB: VmRSS (resident now) or VmHWM (peak since the last reset_peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def rss_mib(pid: int) -> float:
    return memory_mib(pid, "VmRSS")


def peak_rss_mib(pid: int) -> float:
    return memory_mib(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """Resets VmHWM to the current RSS (writing 5 to clear_refs), so a peak belongs to one run only."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process so far."""
    try:
        # the command name (field 2) may contain spaces: split after its closing parenthesis
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def gone(pid: int) -> bool:
    """Whether the process has exited: no /proc entry, or a zombie nobody has reaped yet (an orphan's parent may
    never reap it here: PID 1 is not an init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def children(pid: int) -> list[int]:
    """The live children of a process (from /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return [p for p in found if not gone(p)]


def tree(roots: set[int]) -> set[int]:
    """The live processes of the roots and of all their descendants."""
    seen: set[int] = set()
    pending = [p for p in roots if not gone(p)]
    while pending:
        pid = pending.pop()
        if pid not in seen:
            seen.add(pid)
            pending += children(pid)
    return seen


def tree_rss_mib(roots: set[int]) -> float:
    """The resident memory of the roots and their descendants together, in MiB."""
    return math.fsum(v for v in (rss_mib(p) for p in tree(roots)) if not math.isnan(v))
