"""The run's context a report states: the commit, the machine and its load, the tools' versions."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def output(argv: list[str]) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (r.stdout + r.stderr).strip()


def commit() -> str:
    head = output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = output(["git", "status", "--porcelain", "--untracked-files=no"])
    return head + (" (with uncommitted changes)" if dirty else "")


def first_line(text: str) -> str:
    return text.splitlines()[0].strip() if text else "?"


def multimon_version() -> str:
    return first_line(output(["multimon-ng", "-h"]))


def sox_version() -> str:
    return first_line(output(["sox", "--version"])).replace("sox:", "").strip()


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def load() -> float:
    return os.getloadavg()[0]
