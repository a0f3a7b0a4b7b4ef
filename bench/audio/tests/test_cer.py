"""Character error rate: normalisation, Levenshtein distance on known pairs, pooling over a condition.

Run: cd bench && python -m unittest discover -s audio/tests -t .
"""

import math
import unittest

from audio import cer


class CharacterErrorRate(unittest.TestCase):
    def test_normalise(self) -> None:
        self.assertEqual(cer.normalise("  cq\t de \n k1abc  "), "CQ DE K1ABC")
        self.assertEqual(cer.normalise("A<SK>B <.-.->"), "A#B #")
        self.assertEqual(cer.normalise(""), "")

    def test_known_distances(self) -> None:
        pairs = {
            ("CQ DE", "CQ DE"): 0,
            ("PARIS", "PARS"): 1,  # a deletion
            ("PARIS", "PARRIS"): 1,  # an insertion
            ("PARIS", "PORIS"): 1,  # a substitution
            ("CQ DE", "CQDE"): 1,  # a lost word space counts
            ("CQ DE", "cq   de"): 0,  # case and spacing are folded first
            ("ABC", ""): 3,
            ("", "XY"): 2,
            ("KITTEN", "SITTING"): 3,
            ("SOS", "S<...---...>S"): 1,  # a bracketed sequence is one wrong character
            ("73", "37"): 2,
        }
        for (ref, hyp), want in pairs.items():
            with self.subTest(ref=ref, hyp=hyp):
                self.assertEqual(cer.distance(ref, hyp)[0], want)
                self.assertEqual(cer.levenshtein(cer.normalise(hyp), cer.normalise(ref)), want)  # symmetric

    def test_reference_length_after_normalising(self) -> None:
        self.assertEqual(cer.distance(" CQ  DE ", "CQ DE"), (0, 5))

    def test_pooled(self) -> None:
        # 1 error in 5 characters and 3 in 15: 4 / 20, not the mean of 20 % and 20 %... nor of unequal rates
        self.assertAlmostEqual(cer.pooled([(1, 5), (3, 15)]), 0.2)
        self.assertAlmostEqual(cer.pooled([(0, 10), (10, 10)]), 0.5)
        self.assertAlmostEqual(cer.pooled([(30, 10)]), 3.0)  # insertions can take it beyond 100 %
        self.assertTrue(math.isnan(cer.pooled([])))


if __name__ == "__main__":
    unittest.main()
