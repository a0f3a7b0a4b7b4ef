"""A recording from a timing: the keying envelope with raised-cosine edges, the tone (pitch, drift), slow fading,
white Gaussian noise at an SNR stated in a 2500 Hz bandwidth, and the 16-bit mono WAV file.

SNR: key-down tone of amplitude A has power A^2/2; white noise of per-sample variance s^2 at sample rate fs spreads
it evenly over 0..fs/2, so the noise power in 2500 Hz is s^2 * 2500 / (fs/2). SNR = (A^2/2) / that, hence
s^2 = (A^2/2) / SNR * (fs/2) / 2500. With fading, A is the unfaded amplitude (the SNR at the fade's peaks)."""

import io
import math
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SNR_BANDWIDTH_HZ = 2500.0
RAMP_SECONDS = 0.005  # raised-cosine rise and fall of each element, centred on its nominal edge
FULL_SCALE = 32767


@dataclass(frozen=True)
class Channel:
    """What happens to the tone between the key and the WAV file."""

    pitch_hz: float
    sample_rate: int
    snr_db: float | None = None  # None: no noise at all
    drift_hz: float = 0.0  # peak deviation from pitch_hz
    drift_shape: str = "linear"  # "linear": -drift .. +drift over the recording (sign of drift_hz); "sine": slow sine
    drift_period_s: float = 8.0  # for "sine"
    fade_depth_db: float = 0.0  # 0: no fading; else the gain swings between 0 dB and -depth
    fade_period_s: float = 4.0
    fade_phase: float = 0.0  # radians, where the fade starts in its cycle


def ramp_seconds(unit: float) -> float:
    """5 ms, shortened at high speed (to an eighth of a dit) so that a short dit keeps its flat top."""
    return min(RAMP_SECONDS, unit / 8)


def envelope(durations: Sequence[tuple[bool, float]], lead_s: float, tail_s: float, sample_rate: int,
             ramp_s: float) -> np.ndarray:
    """The key as a 0..1 envelope: each key-down element a plateau whose edges are 0.5 (1 - cos(pi t / ramp))
    ramps centred on the element's nominal start and end, so its length at half amplitude is its duration. The
    first ramp begins after `lead_s` of silence, and `tail_s` of silence follow the last one."""
    total = lead_s + ramp_s + sum(d for _, d in durations) + tail_s
    env = np.zeros(int(round(total * sample_rate)), dtype=np.float64)
    t = lead_s + ramp_s / 2
    for down, d in durations:
        if down:
            rise_start, fall_start = t - ramp_s / 2, t + d - ramp_s / 2
            a = int(math.ceil(rise_start * sample_rate))
            b = int(math.ceil((t + d + ramp_s / 2) * sample_rate))
            times = np.arange(a, b) / sample_rate
            rise = np.clip((times - rise_start) / ramp_s, 0.0, 1.0)
            fall = np.clip((times - fall_start) / ramp_s, 0.0, 1.0)
            env[a:b] = 0.5 * (1 - np.cos(np.pi * rise)) - 0.5 * (1 - np.cos(np.pi * fall))
        t += d
    return env


def frequency(channel: Channel, n: int) -> np.ndarray:
    """The instantaneous frequency of every sample: the pitch plus the drift."""
    t = np.arange(n) / channel.sample_rate
    if channel.drift_hz == 0:
        return np.full(n, channel.pitch_hz)
    if channel.drift_shape == "sine":
        return channel.pitch_hz + channel.drift_hz * np.sin(2 * np.pi * t / channel.drift_period_s)
    span = max(t[-1], 1e-9) if n else 1.0
    return channel.pitch_hz + channel.drift_hz * (2 * t / span - 1)


def fade(channel: Channel, n: int) -> np.ndarray:
    """Slow fading: the gain in dB is -depth * (1 - cos(2 pi t / period + phase)) / 2, from 0 dB down to -depth."""
    if channel.fade_depth_db <= 0:
        return np.ones(n)
    t = np.arange(n) / channel.sample_rate
    db = -channel.fade_depth_db * (1 - np.cos(2 * np.pi * t / channel.fade_period_s + channel.fade_phase)) / 2
    return np.power(10.0, db / 20)


def noise_sigma(amplitude: float, snr_db: float, sample_rate: int) -> float:
    """The per-sample standard deviation of white noise that makes `snr_db` in 2500 Hz against a tone of
    `amplitude`."""
    snr = 10 ** (snr_db / 10)
    return math.sqrt((amplitude**2 / 2) / snr * (sample_rate / 2) / SNR_BANDWIDTH_HZ)


def amplitude_for(channel: Channel) -> float:
    """The tone's amplitude in 16-bit units: -6 dBFS, lowered so that tone plus 5 sigma of noise stays below
    0.9 full scale (a sample beyond it, once in millions, is clipped)."""
    k = noise_sigma(1.0, channel.snr_db, channel.sample_rate) if channel.snr_db is not None else 0.0
    return FULL_SCALE * min(0.5, 0.9 / (1 + 5 * k))


def render(durations: Sequence[tuple[bool, float]], channel: Channel, lead_s: float, tail_s: float, unit_s: float,
           rng: np.random.Generator) -> np.ndarray:
    """The recording as int16 samples."""
    env = envelope(durations, lead_s, tail_s, channel.sample_rate, ramp_seconds(unit_s))
    n = len(env)
    phase = 2 * np.pi * np.cumsum(frequency(channel, n)) / channel.sample_rate
    amplitude = amplitude_for(channel)
    signal = amplitude * env * fade(channel, n) * np.sin(phase)
    if channel.snr_db is not None:
        signal = signal + rng.normal(0.0, noise_sigma(amplitude, channel.snr_db, channel.sample_rate), n)
    return np.clip(np.round(signal), -FULL_SCALE - 1, FULL_SCALE).astype("<i2")


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    path.write_bytes(wav_bytes(samples, sample_rate))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: not 16-bit mono")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()
