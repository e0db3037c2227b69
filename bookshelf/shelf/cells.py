"""A shelf cell as plain, cacheable data: the cell joined with its benefit, its category and
its eligibility rules. What the benefit centre, the write path and the recommender read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benefits.models import Benefit
from benefits.text import short_form

from .models import Eligibility, ShelfCell


@dataclass(frozen=True)
class CellView:
    """A shelf cell joined with its benefit, category and eligibility: plain, cacheable data.
    Its texts carry both languages (`name_en`, `name_zh_hans`...), as the benefit's columns:
    one cache entry serves readers of either; `benefits.text.chooser` picks per request."""

    tier: int
    benefit_id: int
    code: str
    name_en: str
    name_zh_hans: str
    category_code: str
    category_name_en: str
    category_name_zh_hans: str
    top_code: str
    how_to_use_en: str
    how_to_use_zh_hans: str
    unit_en: str
    unit_zh_hans: str
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
    summary_en: str = ""
    summary_zh_hans: str = ""
    # What a reader derives from the view once per process and keeps with it (the benefit
    # centre's texts in each language): not part of the view's value, never compared.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


def cell_view_from(cell: ShelfCell) -> CellView:
    benefit = cell.benefit
    category = benefit.category
    rules: Eligibility | None = getattr(benefit, "eligibility", None)
    return CellView(
        tier=cell.tier,
        benefit_id=benefit.pk,
        code=benefit.code,
        name_en=benefit.name_en or "",
        name_zh_hans=benefit.name_zh_hans or "",
        category_code=category.path_code,
        category_name_en=category.name_en or "",
        category_name_zh_hans=category.name_zh_hans or "",
        top_code=category.top_code,
        how_to_use_en=benefit.how_to_use_en or "",
        how_to_use_zh_hans=benefit.how_to_use_zh_hans or "",
        unit_en=benefit.unit_en or "",
        unit_zh_hans=benefit.unit_zh_hans or "",
        status=benefit.status,
        shareable=benefit.shareable,
        price=None if benefit.price is None else str(benefit.price),
        period=cell.period,
        quota=cell.quota,
        family_quota=cell.family_quota if benefit.shareable else 0,
        requires_product_line=rules.requires_product_line if rules else "",
        min_age=rules.min_age if rules else None,
        max_age=rules.max_age if rules else None,
        summary_en=short_form(benefit.description_en or ""),
        summary_zh_hans=short_form(benefit.description_zh_hans or ""),
    )


def benefit_view(benefit: Benefit, tier: int = -1) -> CellView:
    """A benefit outside any shelf cell (a purchasable add-on, a purchased grant)."""
    cell = ShelfCell(tier=max(tier, 0), benefit=benefit, period="unlimited", quota=None)
    return cell_view_from(cell)
