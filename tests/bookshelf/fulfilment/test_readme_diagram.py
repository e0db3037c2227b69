"""The README's lifecycle diagrams are the transition table: each Mermaid `stateDiagram-v2`
block marked `<!-- lifecycle-diagram KIND -->` has exactly the moves `TRANSITIONS[KIND]`
allows, starts at `requested` and ends in every state the table never leaves. No database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from bookshelf.fulfilment.transitions import TRANSITIONS

README = Path(settings.BASE_DIR) / "README.md"
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(?::.*)?$")


def diagram(text: str, kind: str) -> str:
    """The Mermaid block right after the kind's marker."""
    found = re.search(
        re.escape(f"<!-- lifecycle-diagram {kind} -->") + r"\s*\n```mermaid\n(.*?)\n```", text, re.S
    )
    assert found, f"no Mermaid block after <!-- lifecycle-diagram {kind} --> in the README"
    return found.group(1)


def edges(block: str) -> set[tuple[str, str]]:
    lines = [line.strip() for line in block.splitlines()]
    assert lines[0] == "stateDiagram-v2", lines[0]
    return {m.groups() for line in lines if (m := EDGE.match(line))}


def table_edges(kind: str) -> set[tuple[str, str]]:
    return {(str(s), str(t)) for s, targets in TRANSITIONS[kind].items() for t in targets}


def test_the_parser_reads_moves_with_and_without_labels():
    block = "stateDiagram-v2\n  [*] --> requested\n  requested --> booked: supplier confirms\n"
    assert edges(block) == {("[*]", "requested"), ("requested", "booked")}


@pytest.mark.parametrize("kind", sorted(TRANSITIONS))
def test_the_readme_diagram_is_the_transition_table(kind):
    found = edges(diagram(README.read_text(encoding="utf-8"), kind))
    moves = {(s, t) for s, t in found if "[*]" not in (s, t)}
    assert moves == table_edges(kind), (
        f"in the README, not in the table: {sorted(moves - table_edges(kind))}; "
        f"in the table, not in the README: {sorted(table_edges(kind) - moves)}"
    )
    assert {t for s, t in found if s == "[*]"} == {"requested"}
    ends = {t for targets in TRANSITIONS[kind].values() for t in targets} - set(TRANSITIONS[kind])
    assert {s for s, t in found if t == "[*]"} == ends
