"""The README's "Where things are" table leads to real code: every file it names exists and holds the name given
beside it, so the map cannot rot silently when code moves."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def map_rows() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| what")]


def test_the_map_has_the_rows_a_newcomer_needs():
    rows = " ".join(map_rows())
    for topic in ("round-robin", "retry", "health-check", "admin API", "only the characters", "cache",
                  "readiness", "drain on SIGTERM", "rolling restart", "Heat → inventory"):
        assert topic in rows, f"the map has no row for {topic!r}"


def test_every_path_exists_and_holds_the_name_beside_it():
    checked = 0
    for row in map_rows():
        # `path` — `name` pairs; a path without a name beside it must at least exist.
        # A path has a folder and a suffix, whatever the kind of file: a name beside it (`RoundRobin`) has neither.
        for path, name in re.findall(r"`([\w.+-]+/[\w./+-]+\.\w+)`(?: — `([^`]+)`)?", row):
            file = ROOT / path
            assert file.is_file(), f"README names {path}, which does not exist"
            if name:
                assert name in file.read_text(), f"{path} does not contain {name!r}"
            checked += 1
    assert checked >= 15, f"only {checked} paths found: has the table's format changed?"
