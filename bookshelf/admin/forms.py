"""Forms of the agent's desk. They only collect input: the services decide."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from benefits.text import localised
from customers.pii import mask_name

from ..ledger.selectors import ShelfEntry
from ..reach.models import PushChannel
from ..reach.selectors import CustomerDesk


def _benefit_label(entry: ShelfEntry) -> str:
    return f"{entry.code} · {localised(entry.name, entry.name_zh)}"


class DeskForm(forms.Form):
    """Carries a one-time token: the same submission (double click, back button) counts once."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class RedeemForm(DeskForm):
    benefit = forms.ChoiceField(label=_("Benefit"))
    beneficiary = forms.ChoiceField(
        label=_("Used by"),
        required=False,
        help_text=_("A family member can use a benefit the customer's tier shares."),
    )

    def __init__(
        self, *args: Any, desk: CustomerDesk, unmasked: Collection[int], **kwargs: Any
    ) -> None:
        """`unmasked`: the relatives (by key) whose names this user may see unmasked."""
        super().__init__(*args, **kwargs)
        customer = desk.customer
        self._choice("benefit").choices = [(e.code, _benefit_label(e)) for e in desk.usable_entries]
        self._choice("beneficiary").choices = [
            ("", _("%(no)s (the customer)") % {"no": customer.customer_no}),
            *(
                (
                    rel.customer_no,
                    f"{rel.customer_no} {rel.name if rel.pk in unmasked else mask_name(rel.name)}",
                )
                for rel, _relation in desk.shelf.household.relatives
            ),
        ]


class PushForm(DeskForm):
    benefit = forms.ChoiceField(label=_("Benefit"))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=PushChannel.choices, initial=PushChannel.APP_MESSAGE
    )
    note = forms.CharField(
        label=_("Note to the customer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, desk: CustomerDesk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("benefit").choices = [(e.code, _benefit_label(e)) for e in desk.usable_entries]


class RedeemInput(DeskForm):
    """What a posted redemption carries; the service checks the rest."""

    benefit = forms.CharField(max_length=40)
    beneficiary = forms.CharField(max_length=20, required=False)


class PushInput(DeskForm):
    benefit = forms.CharField(max_length=40)
    channel = forms.ChoiceField(choices=PushChannel.choices)
    note = forms.CharField(max_length=300, required=False)
