"""The corpus generator: Morse timing (PARIS, Farnsworth, jitter), the rendered tone's pitch and key-down lengths,
the SNR in 2500 Hz, silence at both ends, texts, and byte-identical reproduction from a seed.

Run: cd bench && python -m unittest discover -s audio/tests -t .     (bench/audio/tests/test_quick.sh runs it)
"""

import tempfile
import unittest
from pathlib import Path

import numpy as np

from audio import corpus, morsecode, synth, texts
from audio.conditions import CONDITIONS, SAMPLE_RATES, by_name


def ms(durations: list[tuple[bool, float]]) -> list[int]:
    return [round(1000 * d) * (1 if down else -1) for down, d in durations]


def envelope_of(samples: np.ndarray) -> np.ndarray:
    """|analytic signal|: the amplitude of a tone, sample by sample (Hilbert transform through the FFT)."""
    n = len(samples)
    spectrum = np.fft.fft(samples.astype(np.float64))
    h = np.zeros(n)
    h[0] = 1
    h[1:(n + 1) // 2] = 2
    if n % 2 == 0:
        h[n // 2] = 1
    return np.abs(np.fft.ifft(spectrum * h))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


class Timing(unittest.TestCase):
    def test_paris_is_50_units(self) -> None:
        for wpm in (5, 20, 40):
            durations = morsecode.nominal("PARIS", morsecode.Keying(wpm))
            # 43 units without the trailing word gap of 7
            self.assertAlmostEqual(sum(d for _, d in durations), 43 * 1.2 / wpm)

    def test_reference_arrays(self) -> None:
        self.assertEqual(ms(morsecode.nominal("AE E", morsecode.Keying(20))), [60, -60, 180, -180, 60, -420, 60])
        self.assertEqual(ms(morsecode.nominal("AE E", morsecode.Keying(20, 15))), [60, -60, 180, -338, 60, -788, 60])
        self.assertEqual(ms(morsecode.nominal("AE E", morsecode.Keying(10))), [120, -120, 360, -360, 120, -840, 120])

    def test_farnsworth_gaps(self) -> None:
        letter, word = morsecode.Keying(13, 5).gaps()
        self.assertAlmostEqual(letter, 1.443, places=3)
        self.assertAlmostEqual(word, 3.367, places=3)
        self.assertEqual(morsecode.Keying(20, 25).gaps(), morsecode.Keying(20).gaps())  # overall above: none

    def test_jitter_spreads_and_is_bounded(self) -> None:
        rng = np.random.default_rng(7)
        nominal = [(True, 0.1)] * 20000
        out = np.array([d for _, d in morsecode.jittered(nominal, 0.2, rng)])
        self.assertAlmostEqual(float(np.std(out / 0.1 - 1)), 0.2 * 0.94, delta=0.01)  # N(0,1) cut at 2: sd 0.88
        self.assertGreaterEqual(out.min(), 0.1 * (1 - 0.2 * morsecode.JITTER_CLIP) - 1e-12)
        self.assertEqual(morsecode.jittered(nominal[:3], 0.0, rng), nominal[:3])

    def test_unknown_character(self) -> None:
        with self.assertRaises(ValueError):
            morsecode.nominal("A%", morsecode.Keying(20))


class Rendering(unittest.TestCase):
    def render(self, text: str, keying: morsecode.Keying, channel: synth.Channel,
               lead: float = 0.6, tail: float = 1.0) -> tuple[np.ndarray, list[tuple[bool, float]]]:
        rng = np.random.default_rng(1)
        durations = morsecode.timing(text, keying, rng)
        return synth.render(durations, channel, lead, tail, keying.unit, rng), durations

    def test_clean_tone_pitch_and_key_down_lengths(self) -> None:
        for rate, pitch, wpm in ((8000, 600.0, 20.0), (22050, 1000.0, 35.0), (44100, 400.0, 12.0)):
            with self.subTest(rate=rate, pitch=pitch, wpm=wpm):
                samples, durations = self.render("CQ TEST 73", morsecode.Keying(wpm),
                                                 synth.Channel(pitch_hz=pitch, sample_rate=rate))
                # the dominant frequency
                spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
                peak = np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))]
                self.assertAlmostEqual(peak, pitch, delta=1.0)
                # every element's length at half amplitude, within 1 ms of the timing
                env = envelope_of(samples)
                marks = runs(env > env.max() / 2)
                want = [d for down, d in durations if down]
                self.assertEqual(len(marks), len(want))
                for (a, b), d in zip(marks, want, strict=True):
                    self.assertAlmostEqual((b - a) / rate, d, delta=0.001)
                # a run of samples above half is up to one sample shorter than the crossing-to-crossing length
                self.assertAlmostEqual(sum(b - a for a, b in marks) / rate, sum(want), delta=0.001 + len(want) / rate)
                self.assertLess(np.abs(samples).max(), 32767)

    def test_silence_at_both_ends(self) -> None:
        lead, tail = 0.5, 1.0
        samples, _ = self.render("E", morsecode.Keying(20), synth.Channel(pitch_hz=600, sample_rate=8000), lead, tail)
        sounding = np.flatnonzero(samples)
        self.assertGreaterEqual(sounding[0], int(lead * 8000) - 1)
        self.assertGreaterEqual(len(samples) - 1 - sounding[-1], int(tail * 8000) - 1)

    def test_snr_in_2500_hz(self) -> None:
        """Tone power (key-down plateaus, minus the noise) over the noise power in 2500 Hz (measured in the
        silence's spectrum, around the pitch) is the requested SNR within 0.5 dB."""
        for rate, snr in ((8000, 3.0), (22050, -6.0), (44100, 10.0)):
            with self.subTest(rate=rate, snr=snr):
                keying = morsecode.Keying(10)
                lead = 8.0
                samples, durations = self.render("TTTTTTTTTT", keying,
                                                 synth.Channel(pitch_hz=700, sample_rate=rate, snr_db=snr),
                                                 lead=lead)
                x = samples.astype(np.float64)
                silence = x[: int((lead - 0.1) * rate)]
                spectrum = np.abs(np.fft.rfft(silence)) ** 2 / len(silence) ** 2 * 2  # one-sided power per bin
                freqs = np.fft.rfftfreq(len(silence), 1 / rate)
                noise_2500 = spectrum[(freqs >= 200) & (freqs < 200 + 2500)].sum()  # 200-2700 Hz
                ramp = synth.ramp_seconds(keying.unit)
                t, plateau = lead + ramp / 2, []
                for down, d in durations:
                    if down:
                        plateau.append(x[int((t + ramp) * rate):int((t + d - ramp) * rate)])
                    t += d
                tone = float(np.mean(np.concatenate(plateau) ** 2)) - float(np.mean(silence**2))
                self.assertAlmostEqual(10 * np.log10(tone / noise_2500), snr, delta=0.5)

    def test_drift_and_fading(self) -> None:
        channel = synth.Channel(pitch_hz=700, sample_rate=8000, drift_hz=20, drift_shape="linear",
                                fade_depth_db=20, fade_period_s=4)
        f = synth.frequency(channel, 8000 * 10)
        self.assertAlmostEqual(float(f[0]), 680, delta=0.01)
        self.assertAlmostEqual(float(f[-1]), 720, delta=0.01)
        sine = synth.frequency(synth.Channel(pitch_hz=700, sample_rate=8000, drift_hz=20, drift_shape="sine"), 80000)
        self.assertAlmostEqual(float(sine.max()), 720, delta=0.1)
        self.assertAlmostEqual(float(sine.min()), 680, delta=0.1)
        gain = 20 * np.log10(synth.fade(channel, 8000 * 8))
        self.assertAlmostEqual(float(gain.max()), 0, delta=0.01)
        self.assertAlmostEqual(float(gain.min()), -20, delta=0.01)


class Corpus(unittest.TestCase):
    def test_texts(self) -> None:
        rng = np.random.default_rng(3)
        for _ in range(500):
            text = texts.text(rng)
            self.assertTrue(15 <= len(text) <= 40, text)
            self.assertEqual(text, " ".join(text.split()))
            self.assertTrue(all(c in morsecode.ITU for c in text.replace(" ", "")), text)

    def test_same_seed_same_bytes(self) -> None:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, \
                tempfile.TemporaryDirectory() as c:
            for condition in (by_name("snr+3"), by_name("jitter25"), by_name("fading"), by_name("drift")):
                for i in range(2):
                    ra = corpus.make(condition, i, 5, Path(a))
                    rb = corpus.make(condition, i, 5, Path(b))
                    rc = corpus.make(condition, i, 6, Path(c))
                    self.assertEqual(ra, rb)
                    self.assertEqual((Path(a) / ra.file).read_bytes(), (Path(b) / rb.file).read_bytes())
                    self.assertNotEqual((Path(a) / ra.file).read_bytes(), (Path(c) / rc.file).read_bytes())

    def test_recordings_follow_their_condition(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            for condition in CONDITIONS:
                for i in range(3):
                    r = corpus.make(condition, i, 1, Path(d))
                    self.assertEqual(r.sample_rate, SAMPLE_RATES[i])
                    self.assertTrue(condition.wpm[0] <= r.wpm <= condition.wpm[1])
                    self.assertTrue(400 <= r.pitch_hz <= 1000)
                    self.assertGreaterEqual(r.lead_s, 0.5)
                    self.assertGreaterEqual(r.tail_s, 1.0)
                    if condition.farnsworth_wpm:
                        assert r.farnsworth_wpm is not None
                        self.assertLessEqual(r.farnsworth_wpm, r.wpm)
                    samples, rate = synth.read_wav(Path(d) / r.file)
                    self.assertEqual(rate, r.sample_rate)
                    self.assertAlmostEqual(len(samples) / rate, r.duration_s, delta=0.001)

    def test_conditions(self) -> None:
        names = [c.name for c in CONDITIONS]
        self.assertEqual(len(names), len(set(names)))
        self.assertGreaterEqual(len(CONDITIONS), 10)
        self.assertGreaterEqual(len(CONDITIONS) * 20, 200)


if __name__ == "__main__":
    unittest.main()
