"""Character error rate. Both texts are upper-cased, their whitespace runs folded to one space and stripped; the
hypothesis's prosigns and undecodable sequences (`<...>`) count as one character each. The distance is
Levenshtein's (insertions, deletions, substitutions, each 1; spaces count), and a condition's CER is the sum of its
recordings' distances over the sum of their reference lengths."""

import re
from collections.abc import Iterable

WHITESPACE = re.compile(r"\s+")
BRACKETED = re.compile(r"<[^<>\s]*>")


def normalise(text: str) -> str:
    return WHITESPACE.sub(" ", BRACKETED.sub("#", text.upper())).strip()


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def distance(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) after normalising both."""
    ref = normalise(reference)
    return levenshtein(ref, normalise(hypothesis)), len(ref)


def pooled(pairs: Iterable[tuple[int, int]]) -> float:
    """Sum of distances over sum of reference lengths; NaN when there is no reference character."""
    errors = chars = 0
    for d, n in pairs:
        errors += d
        chars += n
    return errors / chars if chars else float("nan")
