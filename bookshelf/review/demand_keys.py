"""How demand signals are keyed: the request's normalised words (see `demand_text`).

Kept for the callers that key a text without the synonym table at hand (the privacy
erasure's masked texts, the demo and scale seeders): the words with the starter synonyms.
The grouping itself is `demand_groups`.
"""

from __future__ import annotations

from functools import lru_cache

from . import demand_text as dt


@lru_cache(maxsize=1)
def _starter() -> dt.Synonyms:
    return dt.Synonyms.build(dt.STARTER_SYNONYMS)


def demand_text_key(text: str, synonyms: dt.Synonyms | None = None) -> str:
    """The request's words, normalised, sorted and space-separated (at most 200 characters)."""
    return " ".join(dt.words(text or "", synonyms or _starter()))[:200]
