"""The customer's benefit centre: the hot read path. Serialised by hand from the selector's
plain dataclasses (orjson renders it); the serializers below document it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from benefits.text import chooser
from customers.models import Customer, Tier
from customers.pii import mask_name, mask_phone

from ..ledger.selectors import Bookshelf, ShelfEntry, bookshelf_for_customer
from ..shelf.selectors import CellView
from .base import ERRORS, CustomerScopedView
from .common import period_start_shown
from .renderers import FastJSONRenderer


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


def _entry(entry: ShelfEntry, pick: Pick) -> dict[str, Any]:
    return {
        "code": entry.code,
        "name": pick(entry.name_en, entry.name_zh_hans),
        "summary": pick(entry.summary_en, entry.summary_zh_hans),
        "how_to_use": pick(entry.how_to_use_en, entry.how_to_use_zh_hans),
        "unit": pick(entry.unit_en, entry.unit_zh_hans),
        "source": str(entry.source),
        "holder": entry.holder_no,
        "quota": entry.quota,
        "used": entry.used,
        "remaining": entry.remaining,
        "period_start": period_start_shown(entry.period_start),
        "period_end": entry.period_end.isoformat() if entry.period_end else None,
        "shareable": entry.shareable,
        "family_quota": entry.family_quota,
        "family_used": entry.family_used,
        "purchase_id": entry.purchase_id,
    }


def _purchasable(view: CellView, pick: Pick) -> dict[str, Any]:
    return {
        "code": view.code,
        "name": pick(view.name_en, view.name_zh_hans),
        "summary": pick(view.summary_en, view.summary_zh_hans),
        "category": view.category_code,
        "how_to_use": pick(view.how_to_use_en, view.how_to_use_zh_hans),
        "unit": pick(view.unit_en, view.unit_zh_hans),
        "price": view.price,
        "shareable": view.shareable,
    }


def bookshelf_payload(shelf: Bookshelf) -> dict[str, Any]:
    pick = chooser()
    return {
        "customer": customer_summary(shelf.customer),
        "as_of": shelf.today.isoformat(),
        "categories": [
            {
                "code": code,
                "name": pick(name_en, name_zh_hans),
                "benefits": [_entry(e, pick) for e in entries],
            }
            for code, name_en, name_zh_hans, entries in shelf.entries_by_category()
        ],
        "purchasable": [_purchasable(v, pick) for v in shelf.purchasable],
    }


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


class BookshelfView(CustomerScopedView):
    staff_perms = {"GET": "customers.view_customer"}
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="customer_bookshelf_get",
        summary="The customer's benefit centre",
        description="Every benefit the customer can use now, grouped by category, with quota, "
        "used, remaining and period end; benefits they could buy are listed apart. Each "
        "benefit carries its name in the reader's language and a short `summary`, enough to "
        "show the whole centre from this one call; open one benefit's full description with "
        "GET /benefits/{code}.",
        responses={200: BookshelfSerializer, **ERRORS},
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
                                    "quota": 1,
                                    "used": 0,
                                    "remaining": 1,
                                    "period_start": "2026-01-01",
                                    "period_end": "2026-12-31",
                                    "shareable": False,
                                    "family_quota": 0,
                                    "family_used": 0,
                                    "purchase_id": None,
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
        shelf = bookshelf_for_customer(customer=self.get_customer())
        return Response(bookshelf_payload(shelf))
