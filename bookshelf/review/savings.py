"""What a proposal would save a year, from the review window's cost (the unit costs of its
uses, `ReviewFinding.cost`):

- retiring a benefit saves all of it: cost × 365 / window days;
- a smaller quota (offered beside the retirement of a costly benefit, per tier that holds
  it) saves the uses above the new quota. The quota is the number of uses at the tier's
  cost per use that stays within `max_cost_per_user`; what it saves is counted as
  (uses − users × new quota) × cost per use, annualised: a floor, since a customer who used
  fewer than the new quota saves nothing and one who used more saves all above it.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

from ..shelf.models import ShelfCell
from .models import ReviewFinding

CENT = Decimal("0.01")
YEAR_DAYS = 365


def annualised(cost: Decimal | None, window_days: int) -> Decimal | None:
    """A window's cost as a year's."""
    if cost is None or window_days <= 0:
        return None
    return (Decimal(cost) * YEAR_DAYS / window_days).quantize(CENT)


def smaller_quota(finding: ReviewFinding, max_cost_per_user: Decimal) -> int | None:
    """The uses per customer the threshold pays for at this tier's cost per use (at least
    one); None when the tier's cost per use is unknown or nothing."""
    per_use = finding.cost_per_use
    if per_use is None or per_use <= 0:
        return None
    return max(1, int((max_cost_per_user / per_use).to_integral_value(rounding=ROUND_FLOOR)))


def quota_saving(finding: ReviewFinding, quota: int, window_days: int) -> Decimal:
    """A year's saving of capping each user of the tier at `quota` uses per window (a floor)."""
    per_use = finding.cost_per_use or Decimal("0")
    above = max(0, finding.uses - finding.users * quota)
    return annualised(per_use * above, window_days) or Decimal("0.00")


def smaller_quotas(
    tiers: list[ReviewFinding], max_cost_per_user: Decimal, window_days: int
) -> dict[str, dict[str, Any]]:
    """Per tier whose users cost more than allowed: its quota now, the smaller one, and what
    the smaller one saves a year (yuan, as text: JSON keeps Decimals exact that way)."""
    quotas = dict(
        ShelfCell.objects.filter(
            benefit_id__in={f.benefit_id for f in tiers}, tier__in=[f.tier for f in tiers]
        ).values_list("tier", "quota")
    )
    out: dict[str, dict[str, Any]] = {}
    for finding in tiers:
        per_user = finding.cost_per_user
        if finding.tier is None or per_user is None or per_user <= max_cost_per_user:
            continue
        new = smaller_quota(finding, max_cost_per_user)
        now = quotas.get(finding.tier)
        if new is None or (now is not None and new >= now):
            continue
        saving = quota_saving(finding, new, window_days)
        if saving <= 0:  # its users used no more than the new quota: nothing to offer
            continue
        out[str(finding.tier)] = {
            "quota": now,
            "smaller_quota": new,
            "saving_per_year": str(saving),
        }
    return out
