"""Input and output shapes of the bookshelf API. The benefit centre is the hot path: it is
serialised by hand from the selector's plain dataclasses; the serializers below document it."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import Customer, Tier
from customers.pii import mask_name, mask_phone

from ..models import Channel, DemandSignal, Purchase, Redemption
from ..selectors import Bookshelf, CellView, ShelfEntry


def _localised(name: str, name_zh: str) -> str:
    lang = translation.get_language() or ""
    return name_zh if lang.startswith("zh") and name_zh else name


def customer_summary(customer: Customer) -> dict[str, Any]:
    """Personal data is always masked in the API."""
    return {
        "customer_no": customer.customer_no,
        "name": mask_name(customer.name),
        "phone": mask_phone(customer.phone),
        "tier": Tier(customer.tier).slug,
        "tier_label": str(Tier(customer.tier).label),
    }


def _entry(entry: ShelfEntry, zh: bool = False) -> dict[str, Any]:
    return {
        "code": entry.code,
        "name": entry.name_zh if zh and entry.name_zh else entry.name,
        "how_to_use": entry.how_to_use,
        "unit": entry.unit,
        "source": str(entry.source),
        "holder": entry.holder_no,
        "quota": entry.quota,
        "used": entry.used,
        "remaining": entry.remaining,
        "period_start": entry.period_start.isoformat() if entry.period_start else None,
        "period_end": entry.period_end.isoformat() if entry.period_end else None,
        "shareable": entry.shareable,
        "family_quota": entry.family_quota,
        "family_used": entry.family_used,
        "purchase_id": entry.purchase_id,
    }


def _purchasable(view: CellView) -> dict[str, Any]:
    return {
        "code": view.code,
        "name": _localised(view.name, view.name_zh),
        "category": view.category_code,
        "how_to_use": view.how_to_use,
        "unit": view.unit,
        "price": view.price,
        "shareable": view.shareable,
    }


def bookshelf_payload(shelf: Bookshelf) -> dict[str, Any]:
    zh = (translation.get_language() or "").startswith("zh")
    return {
        "customer": customer_summary(shelf.customer),
        "as_of": shelf.today.isoformat(),
        "categories": [
            {
                "code": code,
                "name": _localised(name, name_zh),
                "benefits": [_entry(e, zh) for e in entries],
            }
            for code, name, name_zh, entries in shelf.entries_by_category()
        ],
        "purchasable": [_purchasable(v) for v in shelf.purchasable],
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


class ShelfEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    how_to_use = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.ChoiceField(choices=["tier", "purchase", "family"])  # type: ignore[assignment]
    holder = serializers.CharField(
        help_text="Whose allowance it is (a family member for 'family')."
    )
    quota = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    shareable = serializers.BooleanField()
    family_quota = serializers.IntegerField()
    family_used = serializers.IntegerField()
    purchase_id = serializers.IntegerField(allow_null=True)


class ShelfCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    benefits = ShelfEntrySerializer(many=True)


class PurchasableSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
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


# -- redemptions ----------------------------------------------------------------------------
class RedemptionInSerializer(serializers.Serializer):
    benefit = serializers.CharField(max_length=40, help_text="The benefit's code.")
    beneficiary = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="A family member's customer number, when they use this customer's benefit.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.APP)


class RedemptionOutSerializer(serializers.ModelSerializer):
    benefit = serializers.CharField(source="benefit_code")
    holder = serializers.CharField(source="holder.customer_no")
    beneficiary = serializers.CharField(source="beneficiary.customer_no")

    class Meta:
        model = Redemption
        fields = [
            "id",
            "benefit",
            "holder",
            "beneficiary",
            "source",
            "channel",
            "status",
            "period_start",
            "period_end",
            "created_at",
            "cancelled_at",
        ]


class RedemptionCreatedSerializer(RedemptionOutSerializer):
    remaining = serializers.IntegerField(
        source="remaining_after", allow_null=True, help_text="Uses left after this one."
    )

    class Meta(RedemptionOutSerializer.Meta):
        fields = [*RedemptionOutSerializer.Meta.fields, "remaining"]


# -- purchases ------------------------------------------------------------------------------
class PurchaseInSerializer(serializers.Serializer):
    benefit = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    payment_reference = serializers.CharField(max_length=64)


class PurchaseOutSerializer(serializers.ModelSerializer):
    benefit = serializers.CharField(source="benefit_code")
    remaining = serializers.IntegerField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "benefit",
            "quantity",
            "unit_price",
            "total_price",
            "uses_granted",
            "uses_used",
            "remaining",
            "valid_from",
            "valid_until",
            "payment_reference",
            "created_at",
        ]


# -- demand ---------------------------------------------------------------------------------
class DemandSignalInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text=_("What the customer asked for."))
    category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    benefit = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="An existing benefit's code."
    )
    customer = serializers.CharField(max_length=20, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=["customer", "agent"], default="customer")  # type: ignore[assignment]


class DemandSignalOutSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.path_code", allow_null=True, default=None)
    benefit = serializers.CharField(source="benefit.code", allow_null=True, default=None)
    customer = serializers.CharField(source="customer.customer_no", allow_null=True, default=None)

    class Meta:
        model = DemandSignal
        fields = ["id", "text", "category", "benefit", "customer", "source", "created_at"]
