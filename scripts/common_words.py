"""Regenerate src/feedmill/filter/dedupe/common_words.txt from jieba's dictionary."""

import os
import sys

import jieba

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "feedmill", "filter", "dedupe",
                   "common_words.txt")
MIN_FREQUENCY = 100

words = []
with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as source:
    for line in source:
        word, frequency, *_ = line.split(" ")
        if int(frequency) >= MIN_FREQUENCY:
            words.append((word, int(frequency)))
words.sort(key=lambda item: (-item[1], item[0]))
with open(OUT, "w", encoding="utf-8") as out:
    out.write("# Common Chinese words: every word of jieba's dictionary (dict.txt, MIT license,\n")
    out.write(
        f"# https://github.com/fxsjy/jieba) with a frequency of {MIN_FREQUENCY} or more,"
        " most frequent first.\n"
    )
    out.write(
        '# A word not in this list is "rare": likely a name (company, person, product, place).\n'
    )
    out.write("# Regenerate with: python scripts/common_words.py\n")
    for word, frequency in words:
        out.write(f"{word}\t{frequency}\n")
print(f"{len(words)} words", file=sys.stderr)
