"""Writes of the shelf: place a benefit on a tier (or change its quota there), take it off,
set its eligibility rules. Any of them bumps the shelf version after commit (the cache
signals in `bookshelf.signals`), so every process reads the new shelf."""

from __future__ import annotations

from django.db import transaction

from benefits.models import Benefit

from . import cache
from .models import Eligibility, ShelfCell


@transaction.atomic
def shelf_cell_set(
    *,
    tier: int,
    benefit: Benefit,
    period: str,
    quota: int | None,
    family_quota: int = 0,
) -> ShelfCell:
    """Place a benefit on a tier (or change its quota there)."""
    cell = ShelfCell.objects.filter(tier=tier, benefit=benefit).first() or ShelfCell(
        tier=tier, benefit=benefit
    )
    cell.period = period
    cell.quota = quota
    cell.family_quota = family_quota
    cell.full_clean()
    cell.save()
    return cell


def shelf_cell_remove(*, tier: int, benefit: Benefit) -> int:
    deleted, _unused = ShelfCell.objects.filter(tier=tier, benefit=benefit).delete()
    return deleted


def eligibility_set(
    *,
    benefit: Benefit,
    requires_product_line: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
) -> Eligibility:
    rules = Eligibility.objects.filter(benefit=benefit).first() or Eligibility(benefit=benefit)
    rules.requires_product_line = requires_product_line
    rules.min_age = min_age
    rules.max_age = max_age
    rules.full_clean()
    rules.save()
    return rules


def shelf_version_bump() -> None:
    """The shelf changed (a benefit, category, cell or rule): after commit, every process
    stops serving the cells it cached."""
    transaction.on_commit(cache.invalidate)
