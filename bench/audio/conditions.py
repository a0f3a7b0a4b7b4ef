"""The corpus's conditions, as data: what each varies and over which range. Every recording draws its own values
from its condition's ranges; sample rates are cycled (8000, 22050, 44100) over the recordings of every condition,
and the pitch is drawn from 400-1000 Hz unless a condition lists pitches to cycle.

To add a condition, add a Condition to CONDITIONS: its recordings, its row in the table, its bar on the chart and
its line in --help follow from it."""

from dataclasses import dataclass

SAMPLE_RATES = (8000, 22050, 44100)
PITCH_RANGE = (400.0, 1000.0)
BASELINE_SNR_DB = 20.0  # the noise of every condition that does not vary the SNR


@dataclass(frozen=True)
class Condition:
    name: str
    help: str
    wpm: tuple[float, float] = (10.0, 30.0)  # character speed, drawn uniformly
    farnsworth_wpm: tuple[float, float] | None = None  # overall speed, drawn uniformly (below the character speed)
    jitter: float = 0.0  # relative standard deviation of elements and gaps (hand-keyed)
    snr_db: float = BASELINE_SNR_DB  # in 2500 Hz, against the key-down tone (the unfaded one when fading)
    pitches: tuple[float, ...] = ()  # cycled; empty: drawn from PITCH_RANGE
    drift_hz: float = 0.0  # +-drift_hz: alternately a linear sweep (up, down) and a slow sine (period 5-15 s)
    fade_depth_db: float = 0.0  # the gain swings sinusoidally between 0 dB and -depth
    fade_period_s: tuple[float, float] = (3.0, 8.0)
    machine_goal: bool = False  # judged against the CER goal of machine-sent 10-30 WPM at >= +3 dB (1 %)
    jitter_goal: bool = False  # judged against the goal of 20 % hand-keyed jitter at +10 dB (5 %)

    def parameters(self) -> str:
        """The row's parameter cell."""
        parts = [f"{self.wpm[0]:g}–{self.wpm[1]:g} WPM"]
        if self.farnsworth_wpm:
            parts[0] = f"chars {parts[0]}, overall {self.farnsworth_wpm[0]:g}–{self.farnsworth_wpm[1]:g} WPM"
        parts.append(f"jitter {self.jitter:.0%}" if self.jitter else "machine")
        parts.append(f"{self.snr_db:+g} dB")
        if self.pitches:
            parts.append("pitch " + "/".join(f"{p:g}" for p in self.pitches) + " Hz")
        if self.drift_hz:
            parts.append(f"drift ±{self.drift_hz:g} Hz")
        if self.fade_depth_db:
            parts.append(f"fading {self.fade_depth_db:g} dB, {self.fade_period_s[0]:g}–{self.fade_period_s[1]:g} s")
        return ", ".join(parts)


CONDITIONS: tuple[Condition, ...] = (
    Condition("snr+20", "machine-sent 10-30 WPM, +20 dB", machine_goal=True),
    Condition("snr+10", "machine-sent 10-30 WPM, +10 dB", snr_db=10, machine_goal=True),
    Condition("snr+3", "machine-sent 10-30 WPM, +3 dB", snr_db=3, machine_goal=True),
    Condition("snr0", "machine-sent 10-30 WPM, 0 dB", snr_db=0),
    Condition("snr-3", "machine-sent 10-30 WPM, -3 dB", snr_db=-3),
    Condition("snr-6", "machine-sent 10-30 WPM, -6 dB", snr_db=-6),
    Condition("slow", "machine-sent 5-10 WPM", wpm=(5, 10)),
    Condition("fast", "machine-sent 30-40 WPM", wpm=(30, 40)),
    Condition("farnsworth", "characters at 15-25 WPM, spaced to 5-12 WPM overall (ARRL Farnsworth)",
              wpm=(15, 25), farnsworth_wpm=(5, 12)),
    Condition("pitch", "pitches cycled over 400-1000 Hz", pitches=(400, 550, 700, 850, 1000), machine_goal=True),
    Condition("jitter10", "hand-keyed, 10 % jitter", jitter=0.10),
    Condition("jitter20", "hand-keyed, 20 % jitter at +10 dB", jitter=0.20, snr_db=10, jitter_goal=True),
    Condition("jitter25", "hand-keyed, 25 % jitter", jitter=0.25),
    Condition("fading", "slow fading, 20 dB deep, period 3-8 s", fade_depth_db=20),
    Condition("drift", "the tone drifts +-20 Hz (linear sweep or slow sine)", drift_hz=20, machine_goal=True),
)

SNR_CONDITIONS = ("snr+20", "snr+10", "snr+3", "snr0", "snr-3", "snr-6")  # the CER-vs-SNR summary and chart lines


def by_name(name: str) -> Condition:
    for condition in CONDITIONS:
        if condition.name == name:
            return condition
    raise KeyError(name)
