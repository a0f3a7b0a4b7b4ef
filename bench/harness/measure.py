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
