"""The customer's benefit centre: the hot read path. Serialised by hand from the selector's
plain dataclasses (orjson renders it); the serializers below document it."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Sequence
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
    customer_id_by_number,
    customer_not_found,
)

from ..fulfilment.models import FulfilmentState
from ..fulfilment.selectors import HeldRequest, held_requests_from_rows, held_requests_statement
from ..ledger.models import Source
from ..ledger.selectors import (
    Bookshelf,
    Listed,
    ShelfEntry,
    UntouchedEntry,
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
def held_uses_by_entry(shelf: Bookshelf, fulfilments: Sequence[HeldRequest]) -> HeldUses:
    """Which entry each open request of the customer is held on: a purchase's by its
    purchase; a tier use (the customer's own, or shared with a relative) by holder and
    benefit; a use of a relative's family share by that relative and benefit, when the
    customer is the one who asked."""
    me = shelf.customer.pk
    keys: dict[tuple[str, int, int], int] = {}
    for entry in shelf.listed:
        if isinstance(entry, UntouchedEntry):
            keys[("tier", me, entry.benefit_id)] = id(entry)
        elif entry.source == "purchase":
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
    budgeted = {e.benefit_id: e.code for e in shelf.listed if e.source != Source.PURCHASE}
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


# Stands in for the holder's number in an untouched entry's JSON kept for every customer
# (random per process: no catalogue text can hold it).
_HOLDER = f"holder-{secrets.token_hex(12)}"
_HOLDER_JSON = orjson.dumps(_HOLDER)
# An untouched entry's JSON is kept per language and period: a view keeps at most this many
# (a policy-year cell has one period per anniversary day; the rest is rendered each time).
UNTOUCHED_KEPT = 64


def _untouched_json(entry: UntouchedEntry, pick: Pick, holder: bytes) -> bytes:
    """The JSON of an entry the customer has not touched: the full entry's own rendering
    (`_entry`), made once per view, language and period with a stand-in holder, and the
    customer's number put in its place."""
    memo = entry.view.memo
    key = (pick, entry.period)
    pieces: tuple[bytes, bytes] | None = memo.get(key)
    if pieces is None:
        full = entry.full()
        full.holder_no = _HOLDER
        head, _, tail = orjson.dumps(_entry(full, pick, {}, None, _Days())).partition(_HOLDER_JSON)
        pieces = (head, tail)
        if len(memo) < UNTOUCHED_KEPT:
            memo[key] = pieces
    return pieces[0] + holder + pieces[1]


def _entries_json(
    entries: list[Listed],
    pick: Pick,
    *,
    holder: bytes,
    held: HeldUses,
    states: dict[int, BudgetState],
    days: _Days,
) -> list[bytes]:
    """A category's entries as JSON: an untouched one from its kept rendering; one a budget
    hides is left out."""
    shown: list[bytes] = []
    for listed in entries:
        if isinstance(listed, UntouchedEntry):
            if not (held and id(listed) in held) and not (states and listed.benefit_id in states):
                shown.append(_untouched_json(listed, pick, holder))
                continue
            entry = listed.full()
            if held and id(listed) in held:
                held[id(entry)] = held.pop(id(listed))
        else:
            entry = listed
        gone = _budget_gone(entry, states) if states else None
        if gone is None or not gone.hide:
            shown.append(orjson.dumps(_entry(entry, pick, held, gone, days)))
    return shown


def bookshelf_payload(
    shelf: Bookshelf, *, requests: Sequence[HeldRequest], used_up: list[Any]
) -> dict[str, Any]:
    """The benefit centre's answer, from the shelf, the customer's open requests and the
    used-up budgets: a benefit whose budget says hide is left out (a category left empty
    too), one that says mark carries `budget_exhausted`. Each category's benefits are
    rendered JSON already (`orjson.Fragment`): most of a large shelf is entries the customer
    has not touched, each rendered once per process (`_untouched_json`)."""
    pick = chooser()
    held = held_uses_by_entry(shelf, requests) if requests else {}
    states = budget_states(shelf, used_up) if used_up else {}
    holder = orjson.dumps(shelf.customer.customer_no)
    days = _Days()
    categories = []
    for code, name_en, name_zh_hans, entries in shelf.entries_by_category():
        shown = _entries_json(entries, pick, holder=holder, held=held, states=states, days=days)
        if shown:
            categories.append(
                {"code": code, "name": pick(name_en, name_zh_hans), "benefits": _json_list(shown)}
            )
    return {
        "customer": customer_summary(shelf.customer),
        "as_of": shelf.today.isoformat(),
        "categories": categories,
        "purchasable": _json_list([_purchasable(v, pick) for v in shelf.purchasable]),
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
    who = customer_id_by_number(customer_no)
    found, *rows = fetch_batch([customer_by_number_read(customer_no), *_centre_reads(who, today)])
    customer = customer_from_rows(found)
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
