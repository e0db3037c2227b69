"""A shelf cell as plain, cacheable data: the cell joined with its benefit, its category and
its eligibility rules. What the benefit centre, the write path and the recommender read."""

from __future__ import annotations

from dataclasses import dataclass

from benefits.models import Benefit
from benefits.text import short_form

from .models import Eligibility, ShelfCell


@dataclass(frozen=True)
class CellView:
    """A shelf cell joined with its benefit, category and eligibility: plain, cacheable data."""

    tier: int
    benefit_id: int
    code: str
    name: str
    name_zh: str
    category_code: str
    category_name: str
    category_name_zh: str
    top_code: str
    how_to_use: str
    unit: str
    status: str
    shareable: bool
    price: str | None
    period: str
    quota: int | None
    family_quota: int
    requires_product_line: str = ""
    min_age: int | None = None
    max_age: int | None = None
    # The description's short form (`benefits.text.short_form`), which the benefit centre
    # lists for every benefit; the full text is the catalog's.
    summary: str = ""


def cell_view_from(cell: ShelfCell) -> CellView:
    benefit = cell.benefit
    category = benefit.category
    rules: Eligibility | None = getattr(benefit, "eligibility", None)
    return CellView(
        tier=cell.tier,
        benefit_id=benefit.pk,
        code=benefit.code,
        name=benefit.name,
        name_zh=benefit.name_zh,
        category_code=category.path_code,
        category_name=category.name,
        category_name_zh=category.name_zh,
        top_code=category.top_code,
        how_to_use=benefit.how_to_use,
        unit=benefit.unit,
        status=benefit.status,
        shareable=benefit.shareable,
        price=None if benefit.price is None else str(benefit.price),
        period=cell.period,
        quota=cell.quota,
        family_quota=cell.family_quota if benefit.shareable else 0,
        requires_product_line=rules.requires_product_line if rules else "",
        min_age=rules.min_age if rules else None,
        max_age=rules.max_age if rules else None,
        summary=short_form(benefit.description),
    )


def benefit_view(benefit: Benefit, tier: int = -1) -> CellView:
    """A benefit outside any shelf cell (a purchasable add-on, a purchased grant)."""
    cell = ShelfCell(tier=max(tier, 0), benefit=benefit, period="unlimited", quota=None)
    return cell_view_from(cell)
