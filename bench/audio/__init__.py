"""The audio-decoding accuracy benchmark (issue 21 item 5): a seeded corpus of Morse recordings under noise, jitter,
fading and drift, decoded by `morse decode-audio` and by multimon-ng's MORSE_CW in the same run; character error
rate per condition, the core's speed, goals judged. `bench/audio/run.py --help` tells the rest."""
