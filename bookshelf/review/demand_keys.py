"""How demand signals are grouped: a deterministic key from the words of the request.

Pure Python, no Django, so the migration that back-fills the key uses the same rule.
Two requests fall into one group when, after Unicode normalisation, case folding and
dropping punctuation, they have the same set of words in any order ("Dental cleaning and
check" = "dental check & cleaning"). Chinese text has no spaces, so a Chinese request is
one word: it groups with the same request written the same way.
"""

from __future__ import annotations

import re
import unicodedata

# Filler words that do not change what is asked for.
STOPWORDS = frozenset({"a", "an", "and", "the", "for", "of", "to", "please", "with", "in", "on"})
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def demand_text_key(text: str) -> str:
    normal = unicodedata.normalize("NFKC", text or "").casefold()
    words = {w for w in _NOT_WORD.split(normal.replace("_", " ")) if w and w not in STOPWORDS}
    return " ".join(sorted(words))[:200]
