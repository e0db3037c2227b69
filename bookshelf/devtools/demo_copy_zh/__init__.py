"""Chinese product copy for the demo catalogue, written as a Chinese insurer's app would word
it (how to book an escort, what a check-up covers), not translated word for word.

Pure literals, no Django, one module per top category. `COPY` is keyed by the benefit's
English name in `demo_catalog.BENEFITS`; each entry holds:

- ``description``, ``how_to_use``, ``unit``, ``provider``: the Chinese twins of the
  catalogue's English texts;
- ``provider_notes_en`` / ``provider_notes``: what the delivering partner needs to know
  (English / Chinese), which the English catalogue does not carry.
"""

from __future__ import annotations

from . import eld, gft, hlt, lif, med, spt, trv, wlt

COPY: dict[str, dict[str, str]] = {
    **hlt.COPY,
    **med.COPY,
    **spt.COPY,
    **trv.COPY,
    **lif.COPY,
    **gft.COPY,
    **wlt.COPY,
    **eld.COPY,
}
