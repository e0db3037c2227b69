"""Every foreign key to a customer in the admin is scoped like the lists are.

An agent may only pick, and only post, their own customers (a supervisor their team's) in
any admin form: add and change forms, inlines, raw-id and autocomplete widgets.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db.models import ForeignKey
from django.test import RequestFactory
from django.urls import reverse

from bookshelf.models import DemandSignal
from customers.models import Customer
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db


def _customer_choice_fields(form_class: Any) -> dict[str, Any]:
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if getattr(getattr(field, "queryset", None), "model", None) is Customer
    }


def _forms(request: Any) -> list[tuple[str, Any]]:
    """Every admin form (and inline form) with a field that picks a customer."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if (
            not any(
                isinstance(f, ForeignKey) and f.related_model is Customer
                for f in model._meta.concrete_fields
            )
            and model is not Customer
        ):
            continue
        form = model_admin.get_form(request, None)
        found.append((model._meta.label, form))
        for inline in model_admin.get_inline_instances(request, None) or [
            inline_class(model, admin.site) for inline_class in model_admin.inlines
        ]:
            formset = inline.get_formset(request, None)
            found.append((f"{model._meta.label} inline {inline.model._meta.label}", formset.form))
    return [(label, form) for label, form in found if _customer_choice_fields(form)]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_every_customer_field_offers_only_the_users_customers(office: Office, who):
    user = office.agent.user if who == "agent" else office.supervisor.user
    request = RequestFactory().get("/")
    request.user = user
    forms = _forms(request)
    assert len(forms) >= 4  # policies, family links, overrides, demand signals at least
    for label, form in forms:
        for name, field in _customer_choice_fields(form).items():
            offered = set(field.queryset)
            assert office.mine in offered, (label, name)
            assert office.outside not in offered, (label, name)
            if who == "agent":
                assert office.theirs not in offered, (label, name)


def test_an_agent_cannot_post_a_request_for_another_agents_customer(office: Office):
    client = office.client_for(office.agent.user)
    url = reverse("admin:bookshelf_demandsignal_add")
    response = client.post(
        url, {"text": "Pet insurance", "customer": office.theirs.pk, "source": "agent"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "customer" in response.context["adminform"].form.errors
    assert not DemandSignal.objects.exists()
    # Their own customer is fine.
    response = client.post(
        url, {"text": "Pet insurance", "customer": office.mine.pk, "source": "agent"}
    )
    assert response.status_code == 302
    assert DemandSignal.objects.get().customer == office.mine


def test_a_superuser_still_picks_any_customer(office: Office):
    request = RequestFactory().get("/")
    request.user = office.superuser
    for label, form in _forms(request):
        for name, field in _customer_choice_fields(form).items():
            assert office.outside in set(field.queryset), (label, name)


def test_the_customer_autocomplete_of_a_request_offers_only_the_agents_customers(office: Office):
    client = office.client_for(office.agent.user)

    def ask(term: str) -> list[str]:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "term": term,
                "app_label": "bookshelf",
                "model_name": "demandsignal",
                "field_name": "customer",
            },
        )
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    assert ask(office.mine.customer_no) == [office.mine.customer_no]
    assert ask(office.theirs.customer_no) == []
