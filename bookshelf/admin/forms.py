"""Forms of the agent's desk. They only collect input: the services decide."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from benefits.text import translated
from customers.pii import mask_name

from ..ledger.models import Source
from ..ledger.selectors import ShelfEntry
from ..reach.models import PushChannel
from ..reach.selectors import CustomerDesk


def _benefit_label(entry: ShelfEntry) -> str:
    return f"{entry.code} · {translated(entry, 'name')}"


def benefit_choices(desk: CustomerDesk) -> list[tuple[str, list[tuple[str, str]]]]:
    """The benefits the customer can use now, in the order the shelf shows them, in option
    groups named as the page's sections (the tier's categories, family shares, purchases)."""
    out = []
    for group, source, entries in desk.usable_groups():
        if group is not None:
            label = f"{group.code} · {translated(group, 'name')}"
        elif source == Source.FAMILY:
            label = str(_("Shared by family"))
        else:
            label = str(_("Purchases"))
        out.append((label, [(e.code, _benefit_label(e)) for e in entries]))
    return out


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
        self._choice("benefit").choices = benefit_choices(desk)
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
        self._choice("benefit").choices = benefit_choices(desk)


class RedeemInput(DeskForm):
    """What a posted redemption carries; the service checks the rest."""

    benefit = forms.CharField(max_length=40)
    beneficiary = forms.CharField(max_length=20, required=False)
    # Sent by the confirmation step (the dialog, or the confirm page without scripts): a use
    # posted without it is not recorded, the agent is asked first.
    confirm = forms.BooleanField(required=False)


class RevealInput(forms.Form):
    """Which personal field the agent asks to see in full on the desk."""

    field = forms.ChoiceField(
        choices=[("phone", "phone"), ("id_number", "id_number"), ("both", "both")]
    )


class PushInput(DeskForm):
    benefit = forms.CharField(max_length=40)
    channel = forms.ChoiceField(choices=PushChannel.choices)
    note = forms.CharField(max_length=300, required=False)
