"""The Morse table the corpus is sent with (ITU-R M.1677-1 letters, figures and the punctuation the texts use) and
the timing of a text as key-down / key-up durations in seconds: PARIS units, Farnsworth spacing (ARRL), and
hand-keyed jitter. Written for the benchmark, independent of the Swift core it measures."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ITU: dict[str, str] = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.", "H": "....", "I": "..",
    "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.", "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.",
    "S": "...", "T": "-", "U": "..-", "V": "...-", "W": ".--", "X": "-..-", "Y": "-.--", "Z": "--..",
    "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....", "6": "-....", "7": "--...", "8": "---..",
    "9": "----.", "0": "-----",
    ".": ".-.-.-", ",": "--..--", "?": "..--..", "/": "-..-.", "=": "-...-",
}


@dataclass(frozen=True)
class Keying:
    """How a text is keyed: character speed, Farnsworth overall speed (None: the same), and jitter as the relative
    standard deviation of every element and gap (0 = machine-sent)."""

    wpm: float
    farnsworth_wpm: float | None = None
    jitter: float = 0.0

    @property
    def unit(self) -> float:
        """One dit, in seconds: PARIS is 50 units, so 1.2 / WPM."""
        return 1.2 / self.wpm

    def gaps(self) -> tuple[float, float]:
        """The gaps between letters and between words, in seconds. With Farnsworth spacing at overall speed s below
        the character speed c (ARRL): ta = (60c - 37.2s) / (c s), letter gap 3 ta / 19, word gap 7 ta / 19."""
        c, s = self.wpm, self.farnsworth_wpm
        if s is None or s >= c:
            return 3 * self.unit, 7 * self.unit
        ta = (60 * c - 37.2 * s) / (c * s)
        return 3 * ta / 19, 7 * ta / 19


JITTER_CLIP = 2.0  # a jittered duration is d * (1 + jitter * z), z ~ N(0, 1) truncated to |z| <= 2


def nominal(text: str, keying: Keying) -> list[tuple[bool, float]]:
    """(key down?, seconds) for every element and gap of `text`, without leading or trailing gaps. Words are
    separated by runs of spaces; a character with no code is an error."""
    unit = keying.unit
    letter_gap, word_gap = keying.gaps()
    out: list[tuple[bool, float]] = []
    for w, word in enumerate(text.upper().split()):
        if w:
            out.append((False, word_gap))
        for c, char in enumerate(word):
            if char not in ITU:
                raise ValueError(f"no Morse code for {char!r}")
            if c:
                out.append((False, letter_gap))
            for e, element in enumerate(ITU[char]):
                if e:
                    out.append((False, unit))
                out.append((True, unit if element == "." else 3 * unit))
    return out


def jittered(durations: Sequence[tuple[bool, float]], jitter: float,
             rng: np.random.Generator) -> list[tuple[bool, float]]:
    """Hand-keyed timing: each element and gap independently scaled by 1 + jitter * z, z a standard normal draw
    truncated to [-2, 2] (so that no duration reaches zero below 50 % jitter)."""
    if jitter <= 0:
        return list(durations)
    z = np.clip(rng.standard_normal(len(durations)), -JITTER_CLIP, JITTER_CLIP)
    return [(down, d * (1 + jitter * float(k))) for (down, d), k in zip(durations, z, strict=True)]


def timing(text: str, keying: Keying, rng: np.random.Generator) -> list[tuple[bool, float]]:
    return jittered(nominal(text, keying), keying.jitter, rng)
