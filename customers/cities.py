"""Cities in the reader's language.

`Customer.city` and `Agent.city` hold what the source system sent, in practice the English
name ("Shanghai"). Pages show a known city in the reader's language and any other value
as stored: the field stays free text, nothing is rewritten.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The cities of the demo and of the insurer's branches named in the domain notes.
CITIES: dict[str, Promise] = {
    "Beijing": _("Beijing"),
    "Shanghai": _("Shanghai"),
    "Tianjin": _("Tianjin"),
    "Chongqing": _("Chongqing"),
    "Shenzhen": _("Shenzhen"),
    "Guangzhou": _("Guangzhou"),
    "Hangzhou": _("Hangzhou"),
    "Nanjing": _("Nanjing"),
    "Suzhou": _("Suzhou"),
    "Chengdu": _("Chengdu"),
    "Wuhan": _("Wuhan"),
    "Xi'an": _("Xi'an"),
}
_BY_KEY = {name.casefold(): label for name, label in CITIES.items()}


def city_label(value: str | None) -> str:
    """The city's name in the active language when it is a known city, else the value as
    stored (an empty value stays empty)."""
    if not value:
        return ""
    label = _BY_KEY.get(value.strip().casefold())
    return str(label) if label is not None else value
