"""The agent's desk: everything the agent sees on a customer's page, in a fixed number of
queries (the benefit centre, policies, tier and why, recent uses, purchases, pushes, the
open requests and their open operations cases), and what the page derives from it without
another query: the summary at the top, the rows in shelf order with their held uses, and
which benefit the forms offer first."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from benefits.models import Category
from config.display import join_list
from customers.models import (
    Customer,
    Policy,
    PolicyStatus,
    TierChange,
    TierOverride,
)
from customers.selectors import tier_from_premium, tier_override_active, tier_rules_list

from ..fulfilment.models import Fulfilment, FulfilmentState, OperationsCase
from ..fulfilment.selectors import open_fulfilments_for
from ..ledger.models import Purchase, Redemption, Source
from ..ledger.selectors import Bookshelf, ShelfEntry, bookshelf_for_customer
from .models import CustomerValue, Push
from .value import value_reason


@dataclass(frozen=True)
class HeldUses:
    """A shelf row's uses held for a supplier (counted in its `used`): how many wait for a
    time, are booked (and for when), have a code issued; and what is left besides."""

    requested: int = 0
    booked: tuple[datetime | None, ...] = ()
    issued: int = 0
    remaining: int | None = None

    @property
    def count(self) -> int:
        return self.requested + len(self.booked) + self.issued

    @property
    def label(self) -> str:
        """ "1 booked for 12 Dec · 1 left", in the reader's language (at render time)."""
        parts = []
        if self.booked:
            days = [
                formats.date_format(timezone.localtime(at), "MONTH_DAY_FORMAT")
                for at in self.booked
                if at is not None
            ]
            parts.append(
                ngettext("%(n)d booked for %(days)s", "%(n)d booked for %(days)s", len(self.booked))
                % {"n": len(self.booked), "days": join_list(days)}
                if days
                else ngettext("%(n)d booked", "%(n)d booked", len(self.booked))
                % {"n": len(self.booked)}
            )
        if self.requested:
            parts.append(
                ngettext("%(n)d waiting for a time", "%(n)d waiting for a time", self.requested)
                % {"n": self.requested}
            )
        if self.issued:
            parts.append(
                ngettext("%(n)d code issued", "%(n)d codes issued", self.issued)
                % {"n": self.issued}
            )
        if self.remaining is None:
            parts.append(gettext("unlimited"))
        else:
            parts.append(
                ngettext("%(n)d left", "%(n)d left", self.remaining) % {"n": self.remaining}
            )
        return " · ".join(parts)


def held_uses(fulfilments: Iterable[Fulfilment], remaining: int | None) -> HeldUses | None:
    """What a row's open fulfilments say, or None when it has none."""
    rows = list(fulfilments)
    if not rows:
        return None
    return HeldUses(
        requested=sum(1 for f in rows if f.state == FulfilmentState.REQUESTED),
        booked=tuple(f.appointment_at for f in rows if f.state == FulfilmentState.BOOKED),
        issued=sum(1 for f in rows if f.state == FulfilmentState.ISSUED),
        remaining=remaining,
    )


@dataclass(frozen=True)
class DeskRow:
    """A shelf row as the page draws it: the entry and its held uses (None: none)."""

    entry: ShelfEntry
    held: HeldUses | None = None


@dataclass(frozen=True)
class RecentUse:
    """A recent use, with its open fulfilment when it is still held for a supplier."""

    redemption: Redemption
    fulfilment: Fulfilment | None = None


@dataclass
class CategoryGroup:
    """The benefits a customer holds in one top-level category of the shelf."""

    code: str
    name_en: str
    name_zh_hans: str
    entries: list[ShelfEntry]
    rows: list[DeskRow] = field(default_factory=list)  # the entries with their held uses


@dataclass(frozen=True)
class DeskSummary:
    """The ten-second answer at the top of the desk, counted from the shelf already loaded.

    `held`: benefits the customer holds in their own right (tier and purchases), one per
    benefit; `unused`: of those, never used this period; `used_up`: none left; `expiring`:
    uses still left whose period or purchase ends by the end of this month; `shared`: what
    family members share with the customer."""

    held: int = 0
    unused: int = 0
    used_up: int = 0
    expiring: int = 0
    shared: int = 0
    expiring_codes: frozenset[str] = frozenset()  # the rows to mark "ends this month"


def _ends_this_month(entry: ShelfEntry, today: date) -> bool:
    if entry.period_end is None or entry.remaining == 0:
        return False
    last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return today <= entry.period_end <= last


def desk_summary(*, entries: Iterable[ShelfEntry], today: date) -> DeskSummary:
    """Count the summary in one pass over the shelf: no query, whatever the number of rows.
    A benefit held from two sources (its tier and a purchase) counts once, by its codes."""
    own: dict[str, list[ShelfEntry]] = defaultdict(list)
    shared: set[str] = set()
    for entry in entries:
        if entry.source == Source.FAMILY:
            shared.add(entry.code)
        else:
            own[entry.code].append(entry)
    expiring = frozenset(
        code for code, rows in own.items() if any(_ends_this_month(e, today) for e in rows)
    )
    return DeskSummary(
        held=len(own),
        unused=sum(1 for rows in own.values() if all(e.used == 0 for e in rows)),
        used_up=sum(1 for rows in own.values() if all(e.remaining == 0 for e in rows)),
        expiring=len(expiring),
        shared=len(shared),
        expiring_codes=expiring,
    )


@dataclass
class CustomerDesk:
    """Everything the agent sees on a customer's page, loaded in a fixed number of queries."""

    customer: Customer
    shelf: Bookshelf
    policies: list[Policy]
    in_force_premium: Decimal
    override: TierOverride | None
    tier_changes: list[TierChange]
    redemptions: list[Redemption]
    purchases: list[Purchase]
    pushes: list[Push]
    top_categories: dict[str, Category]
    rules_reason: str = ""  # what the tier rules say now, in the reader's language
    summary: DeskSummary = field(default_factory=DeskSummary)
    # Held uses waiting for a supplier, where the customer is holder or beneficiary (soonest
    # appointment first), and the open operations cases of each (overdue), by fulfilment.
    open_requests: list[Fulfilment] = field(default_factory=list)
    open_cases: dict[int, list[OperationsCase]] = field(default_factory=dict)
    # The value profile of last night's job (None until it first ran for this customer).
    value: CustomerValue | None = None

    @property
    def value_reason(self) -> str:
        """Why the customer is in their segment, in the reader's language (no query)."""
        return value_reason(self.value) if self.value is not None else ""

    @property
    def age(self) -> int:
        return self.customer.age_on(self.shelf.today)

    def _groups(self, source: str) -> list[CategoryGroup]:
        groups: dict[str, list[ShelfEntry]] = defaultdict(list)
        for entry in self.shelf.entries:
            if entry.source == source:
                groups[entry.category_code.split(".")[0]].append(entry)
        out = []
        for code in sorted(groups, key=lambda c: (self._position(c), c)):
            top = self.top_categories.get(code)
            out.append(
                CategoryGroup(
                    code=code,
                    name_en=(top.name_en or "") if top else code,
                    name_zh_hans=(top.name_zh_hans or "") if top else "",
                    entries=groups[code],
                    rows=self.rows(groups[code]),
                )
            )
        return out

    def _position(self, code: str) -> int:
        top = self.top_categories.get(code)
        return top.position if top else 999

    @cached_property
    def tier_groups(self) -> list[CategoryGroup]:
        """What the customer's own tier gives, by top-level category."""
        return self._groups(Source.TIER)

    @property
    def family_shares(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.FAMILY]

    @property
    def purchased_entries(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.PURCHASE]

    @property
    def shelf_order(self) -> list[ShelfEntry]:
        """Every entry in the order the page shows them: the tier's categories in shelf
        position, then what family shares, then purchases."""
        return [
            *(e for group in self.tier_groups for e in group.entries),
            *self.family_shares,
            *self.purchased_entries,
        ]

    @cached_property
    def usable_entries(self) -> list[ShelfEntry]:
        """One entry per benefit the customer can use now (has a use left), for the forms,
        in shelf order: the first source the page shows for a benefit."""
        seen: set[str] = set()
        out = []
        for entry in self.shelf_order:
            if entry.code in seen or (entry.remaining is not None and entry.remaining <= 0):
                continue
            seen.add(entry.code)
            out.append(entry)
        return out

    def usable_groups(self) -> list[tuple[CategoryGroup | None, str, list[ShelfEntry]]]:
        """The usable entries grouped as the page shows them, for the forms' option groups:
        (the tier's category, or None for family shares and purchases; the source; the
        entries), in shelf order."""
        group_of = {e.code: g for g in self.tier_groups for e in g.entries}
        out: list[tuple[CategoryGroup | None, str, list[ShelfEntry]]] = []
        for entry in self.usable_entries:
            group = group_of.get(entry.code) if entry.source == Source.TIER else None
            if not out or out[-1][0] is not group or out[-1][1] != entry.source:
                out.append((group, entry.source, []))
            out[-1][2].append(entry)
        return out

    def default_code(
        self, *, clicked: str = "", suggested: Sequence[str] = (), recommended: Sequence[str] = ()
    ) -> str:
        """The benefit the record and push forms offer first: the one the agent clicked, else
        the first open suggestion's, else the first recommendation's, else the first row on
        the shelf; only one the customer can use now ("" when there is none)."""
        usable = [e.code for e in self.usable_entries]
        for code in (clicked, *suggested, *recommended):
            if code and code in usable:
                return code
        return usable[0] if usable else ""

    def _held_for(self, entry: ShelfEntry) -> HeldUses | None:
        """The open requests a shelf row's `used` counts: for the customer's own tier or
        purchase, those they hold (their family's uses of it too); for a share, those the
        customer took of that relative's. A benefit held from the tier and a purchase shows
        its held uses on the tier's row. From the requests already loaded: no query."""
        customer = self.customer.pk
        if entry.source == Source.FAMILY:
            relative = self.shelf.household.relative(entry.holder_no)
            holder = relative.pk if relative else None
            rows = [
                f
                for f in self.open_requests
                if f.benefit_id == entry.benefit_id
                and f.holder_id == holder
                and f.beneficiary_id == customer
            ]
        elif entry.source == Source.PURCHASE and any(
            e.code == entry.code for e in self.shelf.entries if e.source == Source.TIER
        ):
            rows = []
        else:
            rows = [
                f
                for f in self.open_requests
                if f.benefit_id == entry.benefit_id and f.holder_id == customer
            ]
        return held_uses(rows, entry.remaining)

    def rows(self, entries: Iterable[ShelfEntry]) -> list[DeskRow]:
        return [DeskRow(entry, self._held_for(entry)) for entry in entries]

    @cached_property
    def family_rows(self) -> list[DeskRow]:
        return self.rows(self.family_shares)

    @cached_property
    def recent_uses(self) -> list[RecentUse]:
        """The recent uses, each with its open fulfilment if it is still held."""
        by_use = {f.redemption_id: f for f in self.open_requests}
        return [RecentUse(r, by_use.get(r.pk)) for r in self.redemptions]

    @property
    def shareable_codes(self) -> set[str]:
        """Benefits the customer's own tier lets family members use."""
        return {
            e.code
            for e in self.shelf.entries
            if e.source == Source.TIER and e.family_quota and (e.remaining or 0) != 0
        }


def customer_desk(*, customer: Customer, today: date | None = None) -> CustomerDesk:
    today = today or timezone.localdate()
    shelf = bookshelf_for_customer(customer=customer, today=today)
    policies = list(Policy.objects.filter(customer=customer).order_by("status", "-start_date"))
    in_force = [p for p in policies if p.status == PolicyStatus.IN_FORCE]
    premium = sum((p.annual_premium for p in in_force), Decimal("0"))
    decision = tier_from_premium(
        has_in_force=bool(in_force), premium=premium, rules=tier_rules_list()
    )
    open_requests = open_fulfilments_for([customer.pk])
    value = CustomerValue.objects.filter(customer=customer).first()
    if value is not None:
        value.customer = customer  # the reason reads its tier's drop date: no query more
    return CustomerDesk(
        customer=customer,
        shelf=shelf,
        policies=policies,
        in_force_premium=premium,
        override=tier_override_active(customer=customer),
        tier_changes=list(TierChange.objects.filter(customer=customer)[:5]),
        redemptions=list(
            Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
            .select_related("benefit", "holder", "beneficiary")
            .order_by("-created_at", "-id")[:15]
        ),
        purchases=list(
            Purchase.objects.filter(customer=customer)
            .select_related("benefit")
            .order_by("-created_at", "-id")[:10]
        ),
        pushes=list(
            Push.objects.filter(customer=customer)
            .select_related("benefit", "outbox", "pushed_by")
            .order_by("-created_at", "-id")[:10]
        ),
        top_categories={c.code: c for c in Category.objects.filter(parent__isnull=True)},
        rules_reason=decision.reason,
        summary=desk_summary(entries=shelf.entries, today=today),
        open_requests=open_requests,
        open_cases=_open_cases(open_requests),
        value=value,
    )


def _open_cases(fulfilments: list[Fulfilment]) -> dict[int, list[OperationsCase]]:
    """The open operations cases of these fulfilments, by fulfilment: one query, none when
    the customer has no open request."""
    if not fulfilments:
        return {}
    cases: dict[int, list[OperationsCase]] = defaultdict(list)
    rows = OperationsCase.objects.filter(
        fulfilment_id__in=[f.pk for f in fulfilments], closed_at__isnull=True
    ).order_by("opened_at", "pk")
    for case in rows:
        cases[case.fulfilment_id].append(case)
    return dict(cases)
