"""Small display helpers for the admin pages of the shelf."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from benefits.text import localised
from customers.models import ProfileTag, Relation, Tier
from customers.pii import mask_id_number, mask_name, mask_phone

from ..shelf.models import QuotaPeriod

register = template.Library()


@register.filter
def bi(obj: Any, prefix: str = "name") -> str:
    """The Chinese name when the page is in Chinese and one exists, else the English one."""
    return localised(str(getattr(obj, prefix, "")), str(getattr(obj, f"{prefix}_zh", "") or ""))


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
    """`2 a year`, `1 a month`, `unlimited`."""
    if period == QuotaPeriod.UNLIMITED or quota is None:
        return _("unlimited")
    if period == QuotaPeriod.CALENDAR_MONTH:
        return _("%(n)s a month") % {"n": quota}
    if period == QuotaPeriod.POLICY_YEAR:
        return _("%(n)s a policy year") % {"n": quota}
    return _("%(n)s a year") % {"n": quota}


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
