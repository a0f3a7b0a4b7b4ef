"""Seeded texts of 15-40 characters, as an operator sends them: words of a contact, callsigns, signal reports and
numbers, now and then a punctuation mark. Upper case, single spaces, only characters of morsecode.ITU."""

import numpy as np

WORDS = (
    "CQ DE TEST RST UR NAME QTH WX ES TNX FB OM HR PSE AGN BK GM GE GA RIG ANT PWR QSL QRZ QRM QSB QRS SRI "
    "CONDX HW CPY FER CALL WARM SUNNY RAIN COLD TODAY STATION KEY MORSE RADIO SIGNAL POWER WATTS DIPOLE MILES "
    "NICE COPY THANKS FINE GOOD LUCK BEST REGARDS HOPE AGAIN SOON"
).split()
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
PUNCTUATION = ("?", "=", ".", ",")


def pick(rng: np.random.Generator, alphabet: str, count: int) -> str:
    return "".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), count))


def callsign(rng: np.random.Generator) -> str:
    """A prefix of one or two letters, a digit, a suffix of one to three letters; sometimes portable (/P)."""
    call = pick(rng, LETTERS, int(rng.integers(1, 3))) + pick(rng, DIGITS, 1) + pick(rng, LETTERS,
                                                                                     int(rng.integers(1, 4)))
    return call + "/P" if rng.random() < 0.1 else call


def token(rng: np.random.Generator) -> str:
    kind = rng.random()
    if kind < 0.55:
        word = WORDS[int(rng.integers(0, len(WORDS)))]
    elif kind < 0.8:
        word = callsign(rng)
    elif kind < 0.9:
        word = pick(rng, "5", 1) + pick(rng, "3456789", 1) + "9"  # a signal report: 559, 579, 599
    else:
        word = pick(rng, DIGITS, int(rng.integers(1, 5)))
    if rng.random() < 0.08:
        word += PUNCTUATION[int(rng.integers(0, len(PUNCTUATION)))]
    return word


def text(rng: np.random.Generator, shortest: int = 15, longest: int = 40) -> str:
    """A length drawn uniformly from shortest..longest (spaces count), then words until the text reaches it; drawn
    again when the last word overshoots `longest`."""
    while True:
        target = int(rng.integers(shortest, longest + 1))
        words: list[str] = []
        while len(" ".join(words)) < target:
            words.append(token(rng))
        candidate = " ".join(words)
        if len(candidate) <= longest:
            return candidate
