"""Reads of the shelf: every usable cell of a tier as plain, cacheable `CellView`s, the
benefits a customer could buy, and the eligibility rule (re-exported from `eligibility`).

The cells of a tier come from the per-tier cache (`cache`), checked against the shelf
version; what is missing is read in one query and cached under the version read before it.
"""

from __future__ import annotations

from typing import Any

from benefits.models import USABLE_STATUSES, Benefit, BenefitStatus
from config.replicas import primary_reads

from . import cache
from .cells import CellView, benefit_view, cell_view_from
from .eligibility import (
    EligibilityRules,
    Ineligible,
    age_allowed,
    eligibility_key,
    eligibility_problem,
    eligibility_rules,
    plain,
)
from .models import ShelfCell
from .periods import LIFETIME_START, period_bounds

# The cache key of the shelf version: a reader fetching keys of its own in one round trip
# may fetch this one with them (the recommender's per-version memo).
SHELF_VERSION_KEY = cache.VERSION_KEY
# A request that fetched the version itself with its other keys hands it on (bookshelf.api.auth).
shelf_version_hint = cache.version_hint

__all__ = [
    "LIFETIME_START",
    "SHELF_VERSION_KEY",
    "CellView",
    "EligibilityRules",
    "Ineligible",
    "age_allowed",
    "benefit_tags",
    "benefit_view",
    "cell_view_from",
    "eligibility_key",
    "eligibility_problem",
    "eligibility_rules",
    "period_bounds",
    "plain",
    "shelf_cells_and_purchasable",
    "shelf_cells_for_benefit",
    "shelf_cells_for_tiers",
    "shelf_cells_query",
    "shelf_version_hint",
]


def shelf_cells_query() -> Any:
    return ShelfCell.objects.select_related(
        "benefit", "benefit__category", "benefit__eligibility"
    ).order_by("benefit__code")


def shelf_cells_for_benefit(*, benefit: Benefit, tiers: set[int]) -> dict[int, CellView]:
    """This benefit's cells in these tiers, whatever its status (the write path says why a
    retired benefit cannot be used): one query, never cached."""
    rows = shelf_cells_query().filter(benefit=benefit, tier__in=tiers)
    return {cell.tier: cell_view_from(cell) for cell in rows}


# What is cached under the shelf's version is read on the primary, never on a replica that
# may not have replayed the change that made the version.
def _cells_from_db(tiers: set[int]) -> dict[int, list[CellView]]:
    fresh: dict[int, list[CellView]] = {t: [] for t in tiers}
    rows = shelf_cells_query().filter(tier__in=tiers, benefit__status__in=USABLE_STATUSES)
    with primary_reads():
        for cell in rows:
            fresh[cell.tier].append(cell_view_from(cell))
    return fresh


def _purchasable_from_db() -> list[CellView]:
    rows = (
        Benefit.objects.select_related("category", "eligibility")
        .filter(price__isnull=False, status=BenefitStatus.ON_SHELF)
        .order_by("code")
    )
    with primary_reads():
        return [benefit_view(b) for b in rows]


def shelf_cells_and_purchasable(
    tiers: set[int], *, with_purchasable: bool = True
) -> tuple[dict[int, list[CellView]], list[CellView]]:
    """The usable shelf cells of each tier and the benefits a customer can buy: one cache
    round trip when cached; what is missing is read from the database (one query each) and
    cached under the version read before the query."""
    snap = cache.read(tiers, purchasable=with_purchasable)
    found = snap.tiers
    missing = tiers - found.keys()
    fresh = _cells_from_db(missing) if missing else {}
    purchasable = snap.purchasable
    bought: list[CellView] | None = None
    if with_purchasable and purchasable is None:
        purchasable = bought = _purchasable_from_db()
    if fresh or bought is not None:
        cache.write(snap.version, tiers=fresh, purchasable=bought)
    found.update(fresh)
    return found, purchasable or []


def shelf_cells_for_tiers(tiers: set[int]) -> dict[int, list[CellView]]:
    """The usable shelf cells of each tier: from the cache, the missing tiers in one query."""
    return shelf_cells_and_purchasable(tiers, with_purchasable=False)[0]


def benefit_tags() -> dict[int, frozenset[str]]:
    """Which profile tags each benefit suits (cached with the shelf's version)."""
    cached = cache.get_named("benefit-tags")
    if cached is not None:
        return dict(cached)
    with primary_reads():
        tags = {pk: frozenset(t or []) for pk, t in Benefit.objects.values_list("pk", "tags")}
    cache.set_named("benefit-tags", tags)
    return tags
