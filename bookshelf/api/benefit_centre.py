"""The customer's benefit centre: the hot read path. Serialised by hand from the selector's
plain dataclasses (orjson renders it); the serializers below document it."""

from __future__ import annotations

import operator
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext, pgettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import conditional_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from benefits.text import chooser
from config.db_batch import Key, Read, fetch_batch
from customers.models import Customer, Tier
from customers.pii import mask_name, mask_phone
from customers.selectors import (
    customer_by_number_read,
    customer_from_rows,
    customer_id_of_read,
    customer_not_found,
)

from ..fulfilment.models import FulfilmentState
from ..fulfilment.selectors import HeldRequest, held_requests_from_rows, held_requests_statement
from ..ledger.models import Source
from ..ledger.selectors import (
    Bookshelf,
    LeanOwn,
    PlanCategory,
    ShelfEntry,
    bookshelf_from_rows,
    centre_statements,
)
from ..money.selectors import BudgetState, budget_states_from_rows, budgets_used_up_statement
from ..shelf.selectors import CellView
from .auth import api_client_of
from .base import ERRORS, CustomerScopedView
from .common import ReplicaReadsMixin, period_start_shown
from .renderers import FastJSONRenderer, body_etag


def customer_summary(customer: Customer) -> dict[str, Any]:
    """Personal data is always masked in the API."""
    return {
        "customer_no": customer.customer_no,
        "name": mask_name(customer.name),
        "phone": mask_phone(customer.phone),
        "tier": Tier(customer.tier).slug,
        "tier_label": str(Tier(customer.tier).label),
    }


Pick = Callable[[str | None, str | None], str]
# An entry's open requests, by the entry's identity (entries are plain dataclasses).
HeldUses = dict[int, list[HeldRequest]]


# -- held uses ------------------------------------------------------------------------------
def held_uses_by_entry(
    customer_id: int, entries: Iterable[ShelfEntry], fulfilments: Sequence[HeldRequest]
) -> HeldUses:
    """Which entry each open request of the customer is held on: a purchase's by its
    purchase; a tier use (the customer's own, or shared with a relative) by holder and
    benefit; a use of a relative's family share by that relative and benefit, when the
    customer is the one who asked."""
    me = customer_id
    keys: dict[tuple[str, int, int], int] = {}
    for entry in entries:
        if entry.source == "purchase":
            assert entry.purchase_id is not None
            keys[("purchase", entry.purchase_id, 0)] = id(entry)
        else:
            keys[(str(entry.source), entry.allowance.holder_id, entry.benefit_id)] = id(entry)
    found: HeldUses = {}
    for fulfilment in fulfilments:
        purchase_id = fulfilment.purchase_id
        if purchase_id is not None:
            key = ("purchase", purchase_id, 0)
        elif fulfilment.holder_id == me:
            key = ("tier", me, fulfilment.benefit_id)
        elif fulfilment.beneficiary_id == me:
            key = ("family", fulfilment.holder_id, fulfilment.benefit_id)
        else:
            continue
        if key in keys:
            found.setdefault(keys[key], []).append(fulfilment)
    return found


def held_use(fulfilment: HeldRequest, pick: Pick) -> dict[str, Any]:
    at = fulfilment.appointment_at
    return {
        "state": fulfilment.state,
        "appointment_at": timezone.localtime(at).isoformat() if at else None,
        "place": fulfilment.place,
        "supplier": pick(fulfilment.supplier_name_en, fulfilment.supplier_name_zh_hans),
    }


def _days(moments: list[datetime]) -> str:
    """Appointment days in the reader's language: "12 Dec and 3 Jan" / "12月12日、1月3日"."""
    shown = pgettext("an appointment's day, as in '1 booked for 12 Dec'", "j M")
    days = list(dict.fromkeys(date_format(timezone.localtime(m), shown) for m in moments))
    if len(days) == 1:
        return days[0]
    return pgettext("the last two of a list of days", "%(first)s and %(last)s") % {
        "first": pgettext("between days of a list", ", ").join(days[:-1]),
        "last": days[-1],
    }


def held_text(uses: Sequence[HeldRequest], *, held: int, remaining: int | None) -> str:
    """`held` in a sentence: "1 booked for 12 Dec, 1 left"; empty when nothing is held. A
    held use whose request was not read (it moved on meanwhile) counts as waiting."""
    if not held:
        return ""
    states = Counter(f.state for f in uses)
    waiting = max(held - states[FulfilmentState.BOOKED] - states[FulfilmentState.ISSUED], 0)
    parts: list[str] = []
    booked = [f.appointment_at for f in uses if f.state == FulfilmentState.BOOKED]
    if booked:
        n, days = len(booked), [at for at in booked if at is not None]
        if days:
            parts.append(
                ngettext("%(count)d booked for %(days)s", "%(count)d booked for %(days)s", n)
                % {"count": n, "days": _days(days)}
            )
        else:
            parts.append(ngettext("%(count)d booked", "%(count)d booked", n) % {"count": n})
    if n := states[FulfilmentState.ISSUED]:
        parts.append(ngettext("%(count)d issued", "%(count)d issued", n) % {"count": n})
    if waiting:
        parts.append(
            ngettext(
                "%(count)d waiting for the supplier", "%(count)d waiting for the supplier", waiting
            )
            % {"count": waiting}
        )
    if remaining == 0:
        parts.append(pgettext("uses of a benefit", "none left"))
    elif remaining is not None:
        parts.append(ngettext("%(count)d left", "%(count)d left", remaining) % {"count": remaining})
    return pgettext("between parts of a sentence", ", ").join(parts)


# -- budgets -------------------------------------------------------------------------------
def budget_states(shelf: Bookshelf, used_up: list[Any]) -> dict[int, BudgetState]:
    """The benefits on the shelf whose budget is used up this period, from the used-up
    budgets' rows. A use the customer bought is never refused by a budget, so purchases are
    left out."""
    budgeted = {e.benefit_id: e.code for e in shelf.entries if e.source != Source.PURCHASE}
    if shelf.lean is not None:
        budgeted.update((v.benefit_id, v.code) for v in shelf.lean.plan.views)
    return budget_states_from_rows(used_up, benefit_ids=budgeted, codes=budgeted)


def _budget_gone(entry: ShelfEntry, states: dict[int, BudgetState]) -> BudgetState | None:
    return None if entry.source == Source.PURCHASE else states.get(entry.benefit_id)


Texts = tuple[str, str, str, str]


def entry_texts(view: CellView, pick: Pick) -> Texts:
    """A benefit's name, summary, how to use and unit in the reader's language, worked out
    once per view and language and kept with the view (the process's copy of the shelf
    lives until the shelf changes; a purchase's view lives for one read)."""
    texts: Texts | None = view.memo.get(pick)
    if texts is None:
        texts = view.memo[pick] = (
            pick(view.name_en, view.name_zh_hans),
            pick(view.summary_en, view.summary_zh_hans),
            pick(view.how_to_use_en, view.how_to_use_zh_hans),
            pick(view.unit_en, view.unit_zh_hans),
        )
    return texts


class _Days(dict[date, str]):
    """ISO days of one answer, each formatted once (an answer's periods share a few days)."""

    def __missing__(self, day: date) -> str:
        shown = self[day] = day.isoformat()
        return shown


def _entry(
    entry: ShelfEntry, pick: Pick, held: HeldUses, gone: BudgetState | None, days: _Days
) -> dict[str, Any]:
    uses = held.get(id(entry), []) if held else []
    # A family share's balance does not say whose its holds are: its open requests do.
    count = len(uses) if entry.source == "family" else entry.held
    name, summary, how_to_use, unit = entry_texts(entry.view, pick)
    end = entry.period_end
    return {
        "code": entry.code,
        "name": name,
        "summary": summary,
        "how_to_use": how_to_use,
        "unit": unit,
        "source": str(entry.source),
        "holder": entry.holder_no,
        "quota": entry.quota,
        "used": entry.used,
        "remaining": entry.remaining,
        "period_start": period_start_shown(entry.period_start),
        "period_end": days[end] if end else None,
        "shareable": entry.shareable,
        "family_quota": entry.family_quota,
        "family_used": entry.family_used,
        "purchase_id": entry.purchase_id,
        "held": count,
        "held_uses": [held_use(f, pick) for f in uses],
        "held_text": held_text(uses, held=count, remaining=entry.remaining) if count else "",
        "budget_exhausted": gone is not None,
    }


def _purchasable(view: CellView, pick: Pick) -> bytes:
    """A benefit the customer could buy, as JSON: all of it the shelf's, so rendered once
    per view and language and kept with the view."""
    key = ("purchasable", pick)
    rendered: bytes | None = view.memo.get(key)
    if rendered is None:
        rendered = view.memo[key] = orjson.dumps(
            {
                "code": view.code,
                "name": pick(view.name_en, view.name_zh_hans),
                "summary": pick(view.summary_en, view.summary_zh_hans),
                "category": view.category_code,
                "how_to_use": pick(view.how_to_use_en, view.how_to_use_zh_hans),
                "unit": pick(view.unit_en, view.unit_zh_hans),
                "price": view.price,
                "shareable": view.shareable,
            }
        )
    return rendered


def _json_list(items: list[bytes]) -> orjson.Fragment:
    """Rendered JSON values as one rendered JSON array."""
    return orjson.Fragment(b"[" + b",".join(items) + b"]")


# Stands in for the holder's number in JSON kept for every customer (random per process: no
# catalogue text can hold it).
_HOLDER = f"holder-{secrets.token_hex(12)}"
_HOLDER_JSON = orjson.dumps(_HOLDER)
# All `_entry` reads of a shelf entry but its view and holder: the key its JSON is kept by.
# Whatever `_entry` comes to read of an entry must be added here.
ENTRY_SAYS = operator.attrgetter(
    "source",
    "quota",
    "used",
    "remaining",
    "period_start",
    "period_end",
    "family_quota",
    "family_used",
    "purchase_id",
    "held",
)
# A plan keeps at most this many renderings (one per category, language and the periods it
# shows: a policy year's differ with the anniversary); the rest is rendered each time.
RENDERINGS_KEPT = 512


def _own_json(
    lean: LeanOwn, views: Sequence[CellView], pick: Pick, *, untouched: bool = False
) -> list[bytes]:
    """The JSON of the customer's own entries of these views (without held requests or a
    budget; `untouched`: as they are for a customer who touched none), each the entry's own
    rendering (`_entry`) with the stand-in holder, split where the holder goes."""
    shown = b",".join(
        orjson.dumps(_entry(_stand_in(lean.entry(v, untouched=untouched)), pick, {}, None, _Days()))
        for v in views
    )
    return shown.split(_HOLDER_JSON)


def _stand_in(entry: ShelfEntry) -> ShelfEntry:
    entry.holder_no = _HOLDER
    return entry


class _Page:
    """What one answer renders with: the reader's language, the customer's number as JSON,
    the entries made in full with their held requests, the used-up budgets."""

    def __init__(
        self,
        shelf: Bookshelf,
        requests: Sequence[HeldRequest],
        used_up: list[Any],
        *,
        kept: bool = True,
    ):
        self.kept = kept  # False: render everything afresh, keep nothing (the tests' reference)
        self.pick = chooser()
        self.holder = orjson.dumps(shelf.customer.customer_no)
        self.states = budget_states(shelf, used_up) if used_up else {}
        self.days = _Days()
        self.full: dict[int, ShelfEntry] = {}  # own entries with held requests or a budget
        self.touched: dict[int, tuple[tuple[int, int], int]] = {}
        lean = shelf.lean
        entries: list[ShelfEntry] = list(shelf.entries)
        if lean is not None:
            self.touched = lean.touched
            me = shelf.customer.pk
            asked = {f.benefit_id for f in requests if f.purchase_id is None and f.holder_id == me}
            for benefit_id in (asked | self.states.keys()) & lean.plan.by_id.keys():
                entry = self.full[benefit_id] = lean.entry(lean.plan.by_id[benefit_id])
                entries.append(entry)
        self.held = held_uses_by_entry(shelf.customer.pk, entries, requests) if requests else {}

    def entry_json(self, entry: ShelfEntry) -> bytes | None:
        """A full entry's JSON; None when its budget hides it. Without held requests or a
        budget, an entry of the shelf (not a purchase) says what its view, the language and
        its counters say, and is kept with its view by those (`ENTRY_SAYS`), its holder
        put in."""
        gone = _budget_gone(entry, self.states) if self.states else None
        if gone is not None and gone.hide:
            return None
        if (
            not self.kept
            or gone is not None
            or entry.source == Source.PURCHASE
            or (self.held and id(entry) in self.held)
        ):
            return orjson.dumps(_entry(entry, self.pick, self.held, gone, self.days))
        key = (self.pick, *ENTRY_SAYS(entry))
        memo = entry.view.memo
        pieces: list[bytes] | None = memo.get(key)
        if pieces is None:
            holder, entry.holder_no = entry.holder_no, _HOLDER
            pieces = orjson.dumps(_entry(entry, self.pick, {}, None, _Days())).split(_HOLDER_JSON)
            entry.holder_no = holder
            if len(memo) < RENDERINGS_KEPT:
                memo[key] = pieces
        return orjson.dumps(entry.holder_no).join(pieces)

    def own_json(self, lean: LeanOwn, category: PlanCategory) -> list[bytes]:
        """The JSON of a category's own-tier entries: rendered once for every customer while
        the customer has touched none of them, else the untouched ones from their kept
        renderings and the others entry by entry, each kept with its view by its period,
        counters and holds."""
        full, touched = self.full, self.touched
        if not self.kept:
            kept = None
        else:
            code = category.views[0].category_code
            key = (code, self.pick, tuple(map(lean.periods.__getitem__, category.kinds)))
            memo = lean.plan.memo
            kept = memo.get(key)
            if kept is None:
                each = [_own_json(lean, (v,), self.pick, untouched=True) for v in category.views]
                joined = b",".join(_HOLDER_JSON.join(p) for p in each).split(_HOLDER_JSON)
                kept = (joined, each)
                if len(memo) < RENDERINGS_KEPT:
                    memo[key] = kept
            if category.ids.isdisjoint(touched) and category.ids.isdisjoint(full):
                return [self.holder.join(kept[0])]
        shown: list[bytes] = []
        holder = self.holder
        for n, view in enumerate(category.views):
            benefit_id = view.benefit_id
            if benefit_id in full:
                if (rendered := self.entry_json(full[benefit_id])) is not None:
                    shown.append(rendered)
            elif kept is not None and benefit_id not in touched:
                shown.append(holder.join(kept[1][n]))
            else:
                shown.append(holder.join(self._own_kept(lean, view)))
        return shown

    def _own_kept(self, lean: LeanOwn, view: CellView) -> list[bytes]:
        """One own entry's JSON, kept with its view by language, period, counters and holds
        (all an own entry is made of, `LeanOwn.entry`, but its holder)."""
        key = (self.pick, lean.periods[view.period], self.touched.get(view.benefit_id))
        pieces: list[bytes] | None = view.memo.get(key) if self.kept else None
        if pieces is None:
            pieces = _own_json(lean, (view,), self.pick)
            if self.kept and len(view.memo) < RENDERINGS_KEPT:
                view.memo[key] = pieces
        return pieces


def _categories(shelf: Bookshelf, page: _Page) -> list[dict[str, Any]]:
    """The answer's categories: each one's own-tier entries (a lean shelf's from its plan),
    then its purchases and family shares; a category a budget left empty is left out."""
    lean = shelf.lean
    own: dict[str, PlanCategory] = lean.plan.categories if lean is not None else {}
    rest: dict[str, tuple[str, str, list[ShelfEntry]]] = {}
    for code, en, zh, entries in shelf.entries_by_category():
        listed = [e for e in entries if lean is None or e.source != Source.TIER]
        if listed:
            rest[code] = (en, zh, listed)
    codes = own.keys() if rest.keys() <= own.keys() else sorted(own.keys() | rest.keys())
    categories = []
    for code in codes:
        shown: list[bytes] = []
        plan = own.get(code)
        if plan is not None:
            en, zh = plan.name_en, plan.name_zh_hans
            shown += page.own_json(lean, plan)  # type: ignore[arg-type]
        if code in rest:
            en, zh, entries = rest[code]
            shown += [j for e in entries if (j := page.entry_json(e)) is not None]
        if shown:
            categories.append(
                {"code": code, "name": page.pick(en, zh), "benefits": _json_list(shown)}
            )
    return categories


def bookshelf_payload(
    shelf: Bookshelf, *, requests: Sequence[HeldRequest], used_up: list[Any], kept: bool = True
) -> dict[str, Any]:
    """The benefit centre's answer, from the shelf, the customer's open requests and the
    used-up budgets: a benefit whose budget says hide is left out (a category left empty
    too), one that says mark carries `budget_exhausted`. Each category's benefits are
    rendered JSON already (`orjson.Fragment`); of a lean shelf, a category whose own-tier
    entries the customer has not touched is rendered once per plan, language and period and
    kept (most of a large shelf, for most customers). `kept=False`: nothing kept or reused
    (what the kept rendering must equal)."""
    page = _Page(shelf, requests, used_up, kept=kept)
    return {
        "customer": customer_summary(shelf.customer),
        "as_of": shelf.today.isoformat(),
        "categories": _categories(shelf, page),
        "purchasable": _json_list([_purchasable(v, page.pick) for v in shelf.purchasable]),
    }


def benefit_centre_payload(customer: Customer) -> dict[str, Any]:
    """The customer's benefit centre: its reads in one statement (the centre's own four:
    family, policies, balances, purchases; the open requests and the used-up budgets), the
    shelf itself from its cache."""
    today = timezone.localdate()
    who = Key.of(customer.pk)
    rows = fetch_batch([*_centre_reads(who, today)])
    return _payload(customer, rows, today)


def benefit_centre_payload_by_number(customer_no: str) -> dict[str, Any]:
    """The same for a caller who may see any customer (an API client): the customer is
    looked up in the same statement (404 if there is none, or was erased)."""
    today = timezone.localdate()
    who = customer_id_of_read(0)
    reads = [customer_by_number_read(customer_no, centre=True), *_centre_reads(who, today)]
    found, *rows = fetch_batch(reads)
    customer = customer_from_rows(found, centre=True)
    if customer.erased_at is not None:
        raise customer_not_found()
    return _payload(customer, rows, today)


def _centre_reads(who: Key, today: date) -> list[Read]:
    return [
        *centre_statements(who, today),
        held_requests_statement(who),
        budgets_used_up_statement(today),
    ]


def _payload(customer: Customer, rows: list[Any], today: date) -> dict[str, Any]:
    *centre, requests, used_up = rows
    shelf = bookshelf_from_rows(customer, centre, today=today, lean=True)
    return bookshelf_payload(shelf, requests=held_requests_from_rows(requests), used_up=used_up)


# -- documentation of the benefit centre ----------------------------------------------------
class CustomerSummarySerializer(serializers.Serializer):
    customer_no = serializers.CharField()
    name = serializers.CharField(help_text="Masked, e.g. 张**.")
    phone = serializers.CharField(help_text="Masked, e.g. 138****5678.")
    tier = serializers.ChoiceField(
        choices=["prospect", "ordinary", "gold", "platinum", "diamond", "hnw"]
    )
    tier_label = serializers.CharField()


SUMMARY_HELP = (
    "The benefit's description in short (its first sentence, at most 160 characters), so a "
    "list needs no call per benefit; the full text is `description` of GET /benefits/{code}."
)


class HeldUseSerializer(serializers.Serializer):
    state = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[
            FulfilmentState.REQUESTED.value,
            FulfilmentState.BOOKED.value,
            FulfilmentState.ISSUED.value,
        ],
        help_text="requested: waiting for the supplier; booked: an appointment is set; "
        "issued: a code or a shipment was sent.",
    )
    appointment_at = serializers.DateTimeField(
        allow_null=True, help_text="When the service is booked for; null until booked."
    )
    place = serializers.CharField(help_text="Where, as the supplier said; may be empty.")
    supplier = serializers.CharField(help_text="Who delivers it, in the reader's language.")


class ShelfEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the reader's language (Accept-Language).")
    summary = serializers.CharField(help_text=SUMMARY_HELP)
    how_to_use = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.ChoiceField(choices=["tier", "purchase", "family"])  # type: ignore[assignment]
    holder = serializers.CharField(
        help_text="Whose allowance it is (a family member for 'family')."
    )
    quota = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    used = serializers.IntegerField(help_text="Uses spent in the current period.")
    remaining = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    period_start = serializers.DateField(
        allow_null=True,
        help_text="The current period's first day (a purchase: its first valid day); null for "
        "an unlimited benefit, which has no period.",
    )
    period_end = serializers.DateField(
        allow_null=True,
        help_text="The current period's last day (a purchase: its last valid day); null for "
        "an unlimited benefit.",
    )
    shareable = serializers.BooleanField()
    family_quota = serializers.IntegerField(
        help_text="Own tier: how many of the period's uses family members may take."
    )
    family_used = serializers.IntegerField()
    purchase_id = serializers.IntegerField(
        allow_null=True, help_text="The purchase granting it (source `purchase`), else null."
    )
    held = serializers.IntegerField(
        help_text="Of `used`, the uses still waiting for their supplier (requested, booked or "
        "issued, not yet delivered). They count against the quota: `remaining` already leaves "
        "them out. A delivery settles them; a failure or cancellation gives them back."
    )
    held_uses = HeldUseSerializer(
        many=True,
        help_text="The customer's requests behind `held`, soonest appointment first (a "
        "tier entry also lists the uses the customer shares with family).",
    )
    held_text = serializers.CharField(
        help_text="`held` in a sentence in the reader's language, e.g. \"1 booked for 12 Dec, "
        '1 left" / "已预约 1 次（12月12日），剩余 1 次"; empty when nothing is held.'
    )
    budget_exhausted = serializers.BooleanField(
        help_text="The benefit's budget (its own or its category's) is used up for the period: "
        "a request is refused with `budget_exhausted` until it is raised or a use is given "
        "back. Show the benefit as unavailable. (A budget set to hide leaves the benefit out "
        "instead.) Always false for a purchase: uses the customer paid for are never refused."
    )


class ShelfCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    benefits = ShelfEntrySerializer(many=True)


class PurchasableSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField(help_text=SUMMARY_HELP)
    category = serializers.CharField()
    how_to_use = serializers.CharField()
    unit = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    shareable = serializers.BooleanField()


class BookshelfSerializer(serializers.Serializer):
    customer = CustomerSummarySerializer()
    as_of = serializers.DateField()
    categories = ShelfCategorySerializer(many=True)
    purchasable = PurchasableSerializer(many=True)


class BookshelfView(ReplicaReadsMixin, CustomerScopedView):
    """An app polling the centre sends the `ETag` it got back as `If-None-Match` and gets a
    304 with no body while nothing changed; a client that accepts gzip gets the (large,
    for a high-net-worth customer) answer compressed. The ETag is the body's digest, so any
    change of balance, shelf or language gives a new one; `Cache-Control: no-store` stays:
    the client keeps its copy itself, no shared cache does."""

    staff_perms = {"GET": "customers.view_customer"}
    renderer_classes = [FastJSONRenderer]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return gzip_page(conditional_page(body_etag(super().as_view(**initkwargs))))

    @extend_schema(
        operation_id="customer_bookshelf_get",
        summary="The customer's benefit centre",
        description="Every benefit the customer can use now, grouped by category, with quota, "
        "used, remaining and period end; uses still waiting for their supplier are shown "
        "apart (`held`, `held_uses`, `held_text`); benefits they could buy are listed apart. Each "
        "benefit carries its name in the reader's language and a short `summary`, enough to "
        "show the whole centre from this one call; open one benefit's full description with "
        "GET /benefits/{code}.",
        responses={
            200: BookshelfSerializer,
            304: OpenApiResponse(description="Not modified: the `ETag` sent still holds."),
            **ERRORS,
        },
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="The `ETag` of an earlier answer: 304 with no body if the centre "
                "is unchanged.",
            )
        ],
        examples=[
            OpenApiExample(
                "A gold customer",
                value={
                    "customer": {
                        "customer_no": "C100000123",
                        "name": "王**",
                        "phone": "138****5678",
                        "tier": "gold",
                        "tier_label": "VIP gold",
                    },
                    "as_of": "2026-11-23",
                    "categories": [
                        {
                            "code": "HLT.01",
                            "name": "Check-ups",
                            "benefits": [
                                {
                                    "code": "HLT.01.002",
                                    "name": "High-end health check-up",
                                    "summary": "An in-depth check-up with CT, tumour "
                                    "markers and a doctor's review of the results.",
                                    "how_to_use": "Book in the app.",
                                    "unit": "check-up",
                                    "source": "tier",
                                    "holder": "C100000123",
                                    "quota": 2,
                                    "used": 1,
                                    "remaining": 1,
                                    "period_start": "2026-01-01",
                                    "period_end": "2026-12-31",
                                    "shareable": False,
                                    "family_quota": 0,
                                    "family_used": 0,
                                    "purchase_id": None,
                                    "held": 1,
                                    "held_uses": [
                                        {
                                            "state": "booked",
                                            "appointment_at": "2026-12-12T09:30:00+08:00",
                                            "place": "Ruijin Hospital, building 3",
                                            "supplier": "Check-up centre",
                                        }
                                    ],
                                    "held_text": "1 booked for 12 Dec, 1 left",
                                    "budget_exhausted": False,
                                }
                            ],
                        }
                    ],
                    "purchasable": [
                        {
                            "code": "MED.03.004",
                            "name": "Overseas second opinion",
                            "summary": "A specialist abroad reviews your diagnosis.",
                            "category": "MED.03",
                            "how_to_use": "Ask your agent.",
                            "unit": "service",
                            "price": "1999.00",
                            "shareable": False,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        if api_client_of(request) is not None:
            # Any customer is the client's to see: one statement finds them and reads all.
            return Response(benefit_centre_payload_by_number(customer_no))
        return Response(benefit_centre_payload(self.get_customer()))
