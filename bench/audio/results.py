"""What a run produced: per recording, both decoders' hypotheses and distances; per condition and per slice of the
corpus, the pooled CER of each decoder; the speed figures; the run's context."""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import cer
from .conditions import Condition
from .corpus import Recording
from .decoders import Decoded
from .speed import ApiSpeed, CoreSpeed

DECODERS = ("ours", "multimon")  # the keys of RecordingResult.decoded, ours first


@dataclass
class RecordingResult:
    recording: Recording
    decoded: dict[str, Decoded]  # by decoder name
    distances: dict[str, int] = field(default_factory=dict)
    reference_chars: int = 0

    def __post_init__(self) -> None:
        for name, d in self.decoded.items():
            self.distances[name], self.reference_chars = cer.distance(self.recording.text, d.text)

    def cer(self, decoder: str) -> float:
        return self.distances[decoder] / self.reference_chars if self.reference_chars else math.nan

    def as_dict(self) -> dict[str, Any]:
        out = self.recording.as_dict()
        out["reference"] = cer.normalise(self.recording.text)
        out["reference_chars"] = self.reference_chars
        for name, d in self.decoded.items():
            out[name] = {"text": d.text, "normalised": cer.normalise(d.text), "distance": self.distances[name],
                         "cer": self.cer(name), "wall_s": round(d.wall_s, 4), "cpu_s": round(d.cpu_s, 4),
                         "error": d.error, **({"reported": d.extra} if d.extra else {})}
        return out


def pooled(results: Iterable[RecordingResult], decoder: str) -> float:
    return cer.pooled((r.distances[decoder], r.reference_chars) for r in results)


@dataclass(frozen=True)
class Slice:
    """A summary row: the recordings a predicate selects, across conditions."""

    label: str
    results: tuple[RecordingResult, ...]

    def cer(self, decoder: str) -> float:
        return pooled(self.results, decoder)

    @property
    def chars(self) -> int:
        return sum(r.reference_chars for r in self.results)

    def failures(self, decoder: str) -> int:
        return sum(1 for r in self.results if r.decoded[decoder].error)


def slice_of(label: str, results: Iterable[RecordingResult], keep: Callable[[RecordingResult], bool]) -> Slice:
    return Slice(label, tuple(r for r in results if keep(r)))


@dataclass
class Outcome:
    conditions: tuple[Condition, ...]
    results: list[RecordingResult]
    core: list[CoreSpeed]
    api: ApiSpeed | None
    context: dict[str, Any]  # seed, commit, quick, loads, versions, decoders' descriptions

    def of(self, condition: str) -> Slice:
        return slice_of(condition, self.results, lambda r: r.recording.condition == condition)

    def overall(self) -> Slice:
        return Slice("overall", tuple(self.results))
