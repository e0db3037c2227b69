"""What a reader sees of an HTML page: its text nodes outside script and style, and the
attributes a person reads (title, placeholder, aria-label, alt, a button's value). The
values of form fields and textareas are data the user typed, not the page's words."""

from __future__ import annotations

import re
from html.parser import HTMLParser

HIDDEN = {"script", "style", "template", "textarea", "noscript"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_TYPES = {"submit", "button", "reset"}
# Runs of three or more Latin letters (a word, or a part of an identifier between digits).
LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
# A masked secret (a password's salt and hash, a token: "dae7b7**********") is data, and random.
MASKED = re.compile(r"[A-Za-z0-9+/=$]*\*{4,}")


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0
        self._option_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in HIDDEN:
            self._hidden += 1
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.texts.append(str(values[name]))
        is_button = tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES
        if is_button and values.get("value"):
            self.texts.append(str(values["value"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self._hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.texts


def english_words(texts: list[str], allowed: set[str]) -> dict[str, str]:
    """Each Latin word not allowed, with the first text it was found in (for the report)."""
    found: dict[str, str] = {}
    for text in texts:
        for word in LATIN_RUN.findall(MASKED.sub(" ", text)):
            if {word, word.lower(), word.upper()}.isdisjoint(allowed) and word not in found:
                found[word] = text[:120]
    return found
