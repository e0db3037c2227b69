"""Small display helpers for the admin pages of the shelf."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from benefits.text import translated
from config import display
from customers.cities import city_label
from customers.models import ProfileTag, Relation, Tier
from customers.pii import mask_id_number, mask_name, mask_phone

from ..fulfilment.selectors import open_cases_count_for
from ..shelf.models import QuotaPeriod

register = template.Library()


@register.filter
def bi(obj: Any, prefix: str = "name") -> str:
    """`obj`'s text `prefix` in the page's language, else the other one: from its
    `<prefix>_en` and `<prefix>_zh_hans` (a model instance or a plain view of one)."""
    return translated(obj, prefix)


@register.filter
def tier_badge(tier: int) -> SafeString:
    value = Tier(tier)
    return format_html('<span class="tier-badge tier-{}">{}</span>', value.slug, value.label)


@register.filter
def tier_slug(tier: int) -> str:
    return Tier(tier).slug


@register.filter
def tier_label(tier: int) -> str:
    return str(Tier(tier).label)


@register.simple_tag
def quota_label(quota: int | None, period: str) -> str:
    """`2 uses a year`, `1 use a month`, `unlimited` (每年 2 次, 每月 1 次, 不限次数)."""
    if period == QuotaPeriod.UNLIMITED or quota is None:
        return _("unlimited")
    if period == QuotaPeriod.CALENDAR_MONTH:
        text = ngettext("%(n)s use a month", "%(n)s uses a month", quota)
    elif period == QuotaPeriod.POLICY_YEAR:
        text = ngettext("%(n)s use a policy year", "%(n)s uses a policy year", quota)
    else:
        text = ngettext("%(n)s use a year", "%(n)s uses a year", quota)
    return text % {"n": quota}


@register.simple_tag
def family_quota_label(n: int) -> str:
    """How many of each period's uses family members may take: `family may take 2`."""
    return ngettext("family may take %(n)s use", "family may take %(n)s uses", n) % {"n": n}


@register.filter
def money(amount: Any) -> str:
    """An amount in yuan, grouped by thousands (`¥1,566,516`): see `config.display.money`."""
    return display.money(amount)


@register.filter
def join_reasons(reasons: Any) -> str:
    """Recommendation reasons joined with the reader's separator ("; " / "；")."""
    return display.join_reasons(reasons)


@register.filter
def join_list(items: Any) -> str:
    """Items joined with the reader's separator (", " / "、")."""
    return display.join_list(items)


@register.simple_tag
def list_separator() -> str:
    return display.list_separator()


@register.filter
def city(value: str) -> str:
    """A known city in the reader's language, any other value as stored."""
    return city_label(value) or "-"


def _band_text(band: str, n: int) -> str:
    if band == "low":
        return ngettext("%(n)s benefit under 5%%", "%(n)s benefits under 5%%", n)
    if band == "mid":
        return ngettext("%(n)s benefit at 5–20%%", "%(n)s benefits at 5–20%%", n)
    if band == "good":
        return ngettext("%(n)s benefit at 20–50%%", "%(n)s benefits at 20–50%%", n)
    return ngettext("%(n)s benefit at 50%% or more", "%(n)s benefits at 50%% or more", n)


@register.simple_tag
def heat_band_label(band: str, n: int) -> str:
    """How many of a matrix cell's benefits fall in one usage band, in words."""
    return _band_text(band, n) % {"n": n}


@register.filter
def band_strip(cell: Any) -> list[tuple[str, float, float, int]]:
    """A matrix cell's benefits by usage band as segments of a 0-100 strip: (band, x,
    width, count), lowest band first."""
    bands = cell.bands
    total = sum(n for _band, n in bands) or 1
    x = 0.0
    out = []
    for band, n in bands:
        width = 100 * n / total
        out.append((band, x, width, n))
        x += width
    return out


@register.filter
def used_percent(entry: Any) -> int:
    """How much of an allowance is spent, 0-100, for the little bar on the desk."""
    if not entry.quota:
        return 0
    return min(100, round(100 * entry.used / entry.quota))


@register.simple_tag
def person_name(name: str, pii: bool) -> str:
    return name if pii else mask_name(name)


@register.filter
def profile_tag(code: str) -> str:
    return str(ProfileTag(code).label) if code in ProfileTag.values else code


@register.filter
def relation_label(code: str) -> str:
    return str(Relation(code).label) if code in Relation.values else code


@register.simple_tag
def masked(value: str, kind: str, pii: bool) -> str:
    """The value itself for users with the personal-data permission, masked for others."""
    if pii:
        return value
    return {"phone": mask_phone, "id": mask_id_number, "name": mask_name}[kind](value)


@register.filter
def field_label(opts: Any, name: str) -> str:
    """A model field's label as the form shows it (for the history of changes)."""
    try:
        return capfirst(str(opts.get_field(name).verbose_name))
    except Exception:  # a field since removed from the model
        return name


@register.simple_tag(takes_context=True)
def open_cases_count(context: Any) -> int:
    """The operations queue's open cases the page's user may see (one query)."""
    return open_cases_count_for(context["request"].user)
