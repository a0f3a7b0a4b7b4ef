"""The settings of one run: what the command line asked for, with the full or QUICK mode's defaults filled in."""

from dataclasses import dataclass
from typing import Literal, TypeVar

T = TypeVar("T")
PerfMode = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Settings:
    quick: bool
    reps: int  # interleaved repetitions per (front, scenario); the report shows medians
    seconds: float  # measured seconds of a closed-loop run
    warmup: float  # seconds of load before each closed-loop run, not measured
    idle: int  # connections the idle scenario holds
    upgrades: int  # consecutive upgrades of each front in the upgrade scenario
    perf: PerfMode  # when to profile morse-proxy: auto = when a goal is missed
    scenarios: tuple[str, ...]  # names of the scenarios to run, in the registry's order

    @classmethod
    def resolve(cls, quick: bool, reps: int | None, seconds: float | None, idle: int | None, perf: PerfMode | None,
                scenarios: tuple[str, ...], upgrades: int | None = None) -> "Settings":
        """The defaults: QUICK runs every scenario once and briefly (< 3 minutes), full takes about 17 minutes."""
        return cls(quick=quick, reps=reps or (1 if quick else 3), seconds=seconds or (2 if quick else 6),
                   warmup=0.5 if quick else 1, idle=idle or (2000 if quick else 10000),
                   upgrades=upgrades or (3 if quick else 20),
                   perf=perf or ("never" if quick else "auto"), scenarios=scenarios)

    def pick(self, full: T, quick: T) -> T:
        """A scenario's own duration or size in either mode."""
        return quick if self.quick else full
