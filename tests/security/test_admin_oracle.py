"""No lookup oracle in the admin: a list answers only the questions its page offers.

A change list that accepts any lookup on the model's fields (`?birth_date__lt=`,
`?name__startswith=`, `?customer__id_number__startswith=`, `?pk=` to pin a row) answers
yes/no questions about fields it masks, and bisection rebuilds them. Every admin list of every
model that holds personal data or points at a customer accepts only its own filters, date
hierarchy, search, ordering by shown columns and pagination; anything else is refused (400)
the same way whether the guess is true or false.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey
from django.test import RequestFactory
from django.urls import reverse

from customers.admin import OfferedLookupsOnlyMixin
from customers.models import Customer
from tests.bookshelf.admin.conftest import Office
from tests.security.test_access_table import World, world  # noqa: F401

pytestmark = pytest.mark.django_db

PERSONAL = {"name", "birth_date", "phone", "id_number", "phone_hash", "id_number_hash"}


def _customer_paths(model: Any) -> list[str]:
    """The lookup paths from `model` to a customer (direct keys, the outbox's push)."""
    if model is Customer:
        return [""]
    paths = []
    for field in model._meta.concrete_fields:
        if isinstance(field, ForeignKey):
            if field.related_model is Customer:
                paths.append(f"{field.name}__")
            elif any(
                isinstance(f, ForeignKey) and f.related_model is Customer
                for f in field.related_model._meta.concrete_fields
            ) and field.name in {"push"}:
                paths.append(f"{field.name}__customer__")
    return paths


def personal_admins() -> list[tuple[Any, Any]]:
    found = []
    for model, model_admin in admin.site._registry.items():
        if _customer_paths(model) or model._meta.model_name in {
            "agent",
            "agentnotification",
            "webhookevent",
            "webhookdelivery",
        }:
            found.append((model, model_admin))
    return found


ADMINS = personal_admins()


def _ids(item: tuple[Any, Any]) -> str:
    return item[0]._meta.label


def test_every_admin_about_people_refuses_lookups_it_does_not_offer():
    missing = [_ids(a) for a in ADMINS if not isinstance(a[1], OfferedLookupsOnlyMixin)]
    assert missing == []


def _probes(w: World, model: Any) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(true guess, false guess) pairs about `mine`."""
    m = w.mine
    pairs: list[tuple[dict[str, str], dict[str, str]]] = []
    for path in _customer_paths(model):
        pairs += [
            ({f"{path}name__startswith": m.name[0]}, {f"{path}name__startswith": "Ω"}),
            ({f"{path}birth_date__lt": "2999-01-01"}, {f"{path}birth_date__lt": "1000-01-01"}),
            ({f"{path}birth_date": m.birth_date.isoformat()}, {f"{path}birth_date": "1901-02-03"}),
            ({f"{path}id_number_hash": m.id_number_hash}, {f"{path}id_number_hash": "0" * 64}),
            ({f"{path}phone_last4__startswith": m.phone[-4]}, {f"{path}phone_last4": "x"}),
            ({f"{path}pk": str(m.pk)}, {f"{path}pk": "0"}),
        ]
    pairs.append(({"pk": "1"}, {"pk": "0"}))
    pairs.append(({"id__gte": "0"}, {"id__gte": "999999999"}))
    if model is Customer:
        pairs.append(
            (
                {"family_links__relative__name__startswith": "王"},
                {"family_links__relative__name__startswith": "Ω"},
            )
        )
        pairs.append(({"pk": str(m.pk), "name__startswith": "王"}, {"pk": str(m.pk), "name": "Ω"}))
    return pairs


@pytest.mark.parametrize("item", ADMINS, ids=_ids)
def test_probes_get_the_same_refusal_for_true_and_false_guesses(world: World, item):  # noqa: F811
    model, _model_admin = item
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for user in (world.office.product, world.office.superuser, world.office.agent.user):
        client = world.office.client_for(user)
        if client.get(url).status_code != 200:
            continue  # not theirs to open at all
        for true_guess, false_guess in _probes(world, model):
            yes, no = client.get(url, true_guess), client.get(url, false_guess)
            assert (yes.status_code, no.status_code) == (400, 400), (user, true_guess)
            assert yes.content == no.content


@pytest.mark.parametrize("item", ADMINS, ids=_ids)
def test_the_offered_filters_still_work(world: World, item):  # noqa: F811
    model, model_admin = item
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client = world.office.client_for(world.office.superuser)
    assert client.get(url, {"o": "1", "p": "1"}).status_code == 200
    response = client.get(url)
    assert response.status_code == 200
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            query = choice["query_string"]
            assert client.get(url + query).status_code == 200, query
    hierarchy = model_admin.date_hierarchy
    if hierarchy:
        assert client.get(url, {f"{hierarchy}__year": "2026"}).status_code == 200
        if hierarchy in model_admin.list_filter:
            return  # its date filter offers the bounds
        # ... but not its bounds given by hand.
        response = client.get(url, {f"{model_admin.date_hierarchy}__lt": "2026-01-01"})
        assert response.status_code == 400


@pytest.mark.parametrize("item", ADMINS, ids=_ids)
def test_no_shown_column_sorts_by_a_masked_field(office: Office, item):
    model, model_admin = item
    request = RequestFactory().get("/")
    request.user = office.product
    cl: ChangeList = model_admin.get_changelist_instance(request)
    for column in cl.list_display:
        field = cl.get_ordering_field(column)
        if not isinstance(field, str):
            continue
        parts = field.lstrip("-").split("__")
        if model is Customer:
            assert parts[-1] not in PERSONAL, (column, field)
            continue
        try:
            target = model._meta.get_field(parts[0])
        except FieldDoesNotExist:
            continue  # an annotation (a count)
        if getattr(target, "related_model", None) is Customer:
            # A column of a customer sorts by the customer's own ordering, or a shown field.
            assert parts[-1] not in PERSONAL, (column, field)
            assert Customer._meta.ordering == ["customer_no"]


def test_popups_refuse_a_to_field_on_a_masked_field(world: World):  # noqa: F811
    client = world.office.client_for(world.office.product)
    url = reverse("admin:customers_customer_changelist")
    for field in ("birth_date", "name", "id_number_hash"):
        response = client.get(url, {"_to_field": field, "_popup": "1"})
        assert response.status_code == 400


def test_autocomplete_search_is_no_oracle_on_masked_names(world: World):  # noqa: F811
    client = world.office.client_for(world.office.product)

    def ask(term: str) -> list[str]:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "term": term,
                "app_label": "customers",
                "model_name": "policy",
                "field_name": "customer",
            },
        )
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    assert ask(world.mine.name) == ask("Ω") == []
    assert ask(world.mine.phone) == ask("13900000000") == []
    assert ask(world.mine.id_number) == []
    assert world.mine.customer_no in ask(world.mine.customer_no)
