"""The corpus: for each condition, N recordings whose parameters, text, timing and noise come from a generator
seeded by (seed, condition, index) alone, so that the same seed writes byte-identical files, and adding a condition
or recordings changes no other recording. Also the long recordings the speed is measured on."""

import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import morsecode, synth, texts
from .conditions import PITCH_RANGE, SAMPLE_RATES, Condition

LEAD_S = (0.5, 1.0)  # silence (noise only, when noisy) before the first element, drawn uniformly
TAIL_S = (1.0, 1.5)  # and after the last: a decoder that waits for a word gap to end a character gets one


@dataclass(frozen=True)
class Recording:
    id: str
    condition: str
    text: str
    wpm: float
    farnsworth_wpm: float | None
    jitter: float
    pitch_hz: float
    sample_rate: int
    snr_db: float | None
    drift_hz: float
    drift_shape: str
    fade_depth_db: float
    fade_period_s: float
    lead_s: float
    tail_s: float
    duration_s: float
    file: str  # name inside the corpus directory

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rng_for(seed: int, name: str, index: int) -> np.random.Generator:
    """The generator of one recording: seeded by the run's seed, the condition's name (CRC-32) and the index."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), index])


def uniform(rng: np.random.Generator, bounds: tuple[float, float], digits: int = 1) -> float:
    return round(float(rng.uniform(*bounds)), digits)


def make(condition: Condition, index: int, seed: int, directory: Path) -> Recording:
    """Draws one recording of `condition` and writes its WAV file into `directory`."""
    rng = rng_for(seed, condition.name, index)
    wpm = uniform(rng, condition.wpm)
    farnsworth = None
    if condition.farnsworth_wpm:
        farnsworth = min(uniform(rng, condition.farnsworth_wpm), wpm)
    if condition.pitches:
        pitch = condition.pitches[index % len(condition.pitches)]
    else:
        pitch = uniform(rng, PITCH_RANGE, 0)
    rate = SAMPLE_RATES[index % len(SAMPLE_RATES)]
    shape = "sine" if index % 2 else "linear"
    drift = condition.drift_hz * (-1 if index % 4 == 2 else 1)  # linear sweeps alternate up and down
    drift_period = uniform(rng, (5.0, 15.0))
    fade_period = uniform(rng, condition.fade_period_s)
    fade_phase = float(rng.uniform(0, 2 * np.pi))
    lead, tail = uniform(rng, LEAD_S, 3), uniform(rng, TAIL_S, 3)
    text = texts.text(rng)
    keying = morsecode.Keying(wpm, farnsworth, condition.jitter)
    durations = morsecode.timing(text, keying, rng)
    channel = synth.Channel(pitch_hz=pitch, sample_rate=rate, snr_db=condition.snr_db, drift_hz=drift,
                            drift_shape=shape, drift_period_s=drift_period, fade_depth_db=condition.fade_depth_db,
                            fade_period_s=fade_period, fade_phase=fade_phase)
    samples = synth.render(durations, channel, lead, tail, keying.unit, rng)
    name = f"{condition.name}-{index:03d}.wav"
    synth.write_wav(directory / name, samples, rate)
    return Recording(id=name[:-4], condition=condition.name, text=text, wpm=wpm, farnsworth_wpm=farnsworth,
                     jitter=condition.jitter, pitch_hz=pitch, sample_rate=rate, snr_db=condition.snr_db,
                     drift_hz=drift, drift_shape=shape if drift else "none", fade_depth_db=condition.fade_depth_db,
                     fade_period_s=fade_period if condition.fade_depth_db else 0.0, lead_s=lead, tail_s=tail,
                     duration_s=round(len(samples) / rate, 3), file=name)


@dataclass(frozen=True)
class Long:
    """A long recording for the speed figures."""

    file: str
    text: str
    sample_rate: int
    duration_s: float
    bytes: int


LONG_WPM = 20.0
LONG_SNR_DB = 10.0
LONG_PITCH_HZ = 700.0


def make_long(seed: int, seconds: float, rate: int, directory: Path) -> Long:
    """Random texts at 20 WPM, 700 Hz, +10 dB, one after the other (a word gap between them) until `seconds`."""
    rng = rng_for(seed, "long", rate)
    keying = morsecode.Keying(LONG_WPM)
    words: list[str] = []
    sent = 0.0
    while sent < seconds - 1.5:
        words.append(texts.text(rng))
        sent = sum(d for _, d in morsecode.nominal(" ".join(words), keying))
    text = " ".join(words)
    durations = morsecode.timing(text, keying, rng)
    channel = synth.Channel(pitch_hz=LONG_PITCH_HZ, sample_rate=rate, snr_db=LONG_SNR_DB)
    samples = synth.render(durations, channel, 0.5, 1.0, keying.unit, rng)
    name = f"long-{rate}.wav"
    synth.write_wav(directory / name, samples, rate)
    return Long(file=name, text=text, sample_rate=rate, duration_s=round(len(samples) / rate, 3),
                bytes=(directory / name).stat().st_size)
