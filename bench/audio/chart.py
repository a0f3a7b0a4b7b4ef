"""The PNG: CER of both decoders per condition (grouped bars, the axis cut at 100 % with the value written on a
bar that goes beyond), and CER against SNR for the machine-sent conditions (lines), with the 1 % goal dashed."""

import math
from pathlib import Path

from .conditions import SNR_CONDITIONS
from .results import Outcome

COLORS = {"ours": "#1f77b4", "multimon": "#ff7f0e"}
LABELS = {"ours": "morse (this project)", "multimon": "multimon-ng MORSE_CW"}
CAP = 100.0  # percent: the bars' axis ends here


def chart(path: Path, outcome: Outcome, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display
    import matplotlib.pyplot as plt

    names = [c.name for c in outcome.conditions]
    fig, (bars, lines) = plt.subplots(2, 1, figsize=(14, 9.5), gridspec_kw={"height_ratios": [3, 2]})
    width = 0.4
    for k, decoder in enumerate(("ours", "multimon")):
        values = [100 * outcome.of(n).cer(decoder) for n in names]
        xs = [i + (k - 0.5) * width for i in range(len(names))]
        shown = [0.0 if math.isnan(v) else min(v, CAP) for v in values]
        drawn = bars.bar(xs, shown, width, color=COLORS[decoder], label=LABELS[decoder])
        for bar, value in zip(drawn, values, strict=True):
            text = "–" if math.isnan(value) else f"{value:.1f}" if value < 10 else f"{value:.0f}"
            y = min(bar.get_height(), CAP)
            bars.annotate(text + ("↑" if value > CAP else ""), (bar.get_x() + bar.get_width() / 2, y),
                          ha="center", va="bottom", fontsize=7, rotation=90 if value >= 10 else 0)
    bars.axhline(1.0, color="black", lw=0.8, ls="--", label="1 % (goal, machine-sent at ≥ +3 dB)")
    bars.set_xticks(range(len(names)))
    bars.set_xticklabels(names, rotation=30, ha="right", fontsize=9)
    bars.set_ylim(0, CAP * 1.15)
    bars.set_ylabel("CER %")
    bars.set_title(f"{title}: character error rate per condition (axis cut at {CAP:g} %)", fontsize=11)
    bars.legend(fontsize=8, loc="upper left")
    bars.grid(axis="y", alpha=0.3)

    snr = [c for c in outcome.conditions if c.name in SNR_CONDITIONS]
    snr.sort(key=lambda c: c.snr_db)
    for decoder in ("ours", "multimon"):
        ys = [100 * outcome.of(c.name).cer(decoder) for c in snr]
        lines.plot([c.snr_db for c in snr], ys, marker="o", color=COLORS[decoder], label=LABELS[decoder])
    lines.axhline(1.0, color="black", lw=0.8, ls="--")
    lines.axvline(3.0, color="grey", lw=0.8, ls=":")
    lines.set_yscale("symlog", linthresh=1.0)
    lines.set_ylim(0, 200)
    lines.set_xlabel("SNR in 2500 Hz, dB (machine-sent 10–30 WPM)")
    lines.set_ylabel("CER % (linear below 1 %)")
    lines.set_title("CER against SNR", fontsize=11)
    lines.legend(fontsize=8)
    lines.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
