"""OWASP API1, broken object-level authorisation: every API endpoint and every admin page
about customers, against every role, in one table.

The object under test is `mine`: agent Ann's gold customer, with a use, a purchase, a push, a
policy, a family link, an override, a request, a rating, a notification for Ann and an audit
row. Each cell of the table says what the role gets:

- a status (401, 403, 404, or 302 to the sign-in page): refused, and then the body holds
  nothing of the customer (number, name, phone, ID number);
- OK: let through (2xx, a redirect that is not the sign-in page, or 409 when the role was
  let through but the business said no, e.g. a use already cancelled);
- HIDDEN: a list the role may open, in which the customer does not appear.

Wherever a role without the personal-data permission is let through, neither the phone nor
the ID number is in the body; the API never shows them to anyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.api import urls as api_urls
from bookshelf.fulfilment.services import use_request
from bookshelf.integrations.services import api_client_create, subscription_create
from bookshelf.ledger.services import purchase_create, redemption_create, redemption_feedback_create
from bookshelf.models import (
    AgentNotification,
    AgentSuggestion,
    ApiScope,
    Fulfilment,
    NotificationKind,
    PrivacyRequest,
    Redemption,
)
from bookshelf.reach.services import feedback_record, push_create
from bookshelf.review.services import demand_signal_create
from customers.models import Agent, Customer, Tier
from customers.pii import can_view_pii
from customers.services import pii_access_record, tier_override_create
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_family, make_supplier

pytestmark = pytest.mark.django_db

ANON, RO, APP, AGENT, OTHER, SUP, PRODUCT = ROLES = (
    "anonymous",
    "read_only_client",
    "app_client",
    "agent",
    "another_agent",
    "supervisor",
    "product_staff",
)
# Agents' own tokens (the agents' mobile app): Ann's, and Bob's (another agent of the team).
ANN_TOKEN, BOB_TOKEN = TOKEN_ROLES = ("agent_token", "another_agent_token")
OK, HIDDEN = "ok", "hidden"
LOGIN = 302  # the admin sends whoever is not signed-in staff to its sign-in page
OK_STATUSES = {200, 201, 204, 302, 409}


@dataclass
class World:
    office: Office
    mine: Customer
    theirs: Customer
    benefit: Any
    paid: Any
    redemption: Redemption
    their_redemption: Redemption
    objects: dict[str, Any]
    clients: dict[str, APIClient]
    foreign_webhook: Any
    supplied: Any = None  # a booked use of `mine`: its fulfilment, supplier and key
    agent_items: Any = None  # `mine`'s detractor follow-up and suggestion, `theirs`' follow-up

    def secrets(self) -> list[str]:
        m = self.mine
        return [m.customer_no, m.name, m.phone, m.id_number]


@pytest.fixture
def world(office: Office) -> World:
    benefit = make_benefit(cells={Tier.GOLD: 50, Tier.PLATINUM: 50}, name="Green channel")
    paid = make_benefit(price=Decimal("99"), kind="paid", name="Dental cleaning")
    mine, theirs = office.mine, office.theirs
    spouse = make_customer(tier=Tier.ORDINARY, agent=office.agent, name="王太太")
    make_family(mine, spouse)
    redemption = redemption_create(customer=mine, benefit_code=benefit.code).redemption
    their_redemption = redemption_create(customer=theirs, benefit_code=benefit.code).redemption
    purchase = purchase_create(
        customer=mine, benefit_code=paid.code, quantity=1, payment_reference="PAY-MINE"
    )
    push = push_create(
        customer=mine, benefit_code=benefit.code, channel="app_message", pushed_by=office.agent.user
    )
    feedback = redemption_feedback_create(redemption=redemption, score=9)
    override = tier_override_create(
        customer=mine,
        tier=Tier.PLATINUM,
        reason="Key account",
        expires_at=timezone.now() + timedelta(days=30),
    )
    signal = demand_signal_create(text="Pet insurance", customer=mine)
    notification = AgentNotification.objects.create(
        agent=office.agent, kind=NotificationKind.BENEFIT_RETIRED, event_key="x", customers=1
    )
    audit = pii_access_record(
        user=office.agent.user, customer=mine, fields=["phone"], view_name="test"
    )
    booked = make_benefit(cells={Tier.GOLD: 5}, fulfilment_kind="booked", name="Escort")
    make_supplier("escort-co", benefits=[booked])
    fulfilment = use_request(customer=mine, benefit_code=booked.code).fulfilment
    mine.refresh_from_db()
    objects = {
        "fulfilment": fulfilment,
        "policy": mine.policies.get(),
        "familylink": mine.family_links.get(),
        "tieroverride": override,
        "tierchange": mine.tier_changes.first(),
        "redemption": redemption,
        "purchase": purchase,
        "demandsignal": signal,
        "push": push,
        "outboxmessage": push.outbox,
        "redemptionfeedback": feedback,
        "agentnotification": notification,
        "piiaccesslog": audit,
        "privacyrequest": PrivacyRequest.objects.create(
            kind="export", customer=mine, customer_no=mine.customer_no, username="x", via="test"
        ),
    }
    clients: dict[str, APIClient] = {ANON: APIClient()}
    for role, scopes in ((RO, [ApiScope.READ]), (APP, None)):
        _client, token = api_client_create(name=role, scopes=scopes)
        clients[role] = APIClient()
        clients[role].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    users = {
        AGENT: office.agent.user,
        OTHER: office.other_agent.user,
        SUP: office.supervisor.user,
        PRODUCT: office.product,
    }
    for role, user in users.items():
        clients[role] = APIClient()
        clients[role].force_login(user)
    for role, agent in ((ANN_TOKEN, office.agent), (BOB_TOKEN, office.other_agent)):
        objects["apiclient"], token = api_client_create(name=role, agent_id=agent.pk)
        clients[role] = APIClient()
        clients[role].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    other_client, _token = api_client_create(name="someone-else")
    foreign_webhook = subscription_create(
        name="theirs", url="https://other.example.com/hook", api_client=other_client
    )
    supplied = _supplied(mine)
    agent_items = _agent_items(office, benefit)
    objects.update(_day_objects(mine, redemption, agent_items))
    return World(
        agent_items=agent_items,
        supplied=supplied,
        office=office,
        mine=mine,
        theirs=theirs,
        benefit=benefit,
        paid=paid,
        redemption=redemption,
        their_redemption=their_redemption,
        objects=objects,
        clients=clients,
        foreign_webhook=foreign_webhook,
    )


@dataclass
class Supplied:
    fulfilment: Any
    supplier: Any
    key_id: str
    secret: str
    other: Any
    other_key_id: str
    other_secret: str


def _supplied(mine: Customer) -> Supplied:
    """A booked use of `mine`, delivered by a supplier with a key; another supplier too."""
    from bookshelf.fulfilment.services import supplier_key_create, use_request
    from tests.factories import make_supplier

    booked = make_benefit(
        cells={Tier.GOLD: 5, Tier.PLATINUM: 5}, fulfilment_kind="booked", name="Escort"
    )
    supplier = make_supplier("escort-co", benefits=[booked])
    other = make_supplier("rescue-co")
    key, secret = supplier_key_create(supplier=supplier)
    other_key, other_secret = supplier_key_create(supplier=other)
    fulfilment = use_request(customer=mine, benefit_code=booked.code).fulfilment
    return Supplied(fulfilment, supplier, key.key_id, secret, other, other_key.key_id, other_secret)


@dataclass
class AgentItems:
    followup: Any  # `mine` scored a use 3: Ann calls back
    their_followup: Any  # `theirs` (Bob's customer) too
    suggestion: Any  # an open suggestion on Ann's worklist


def _agent_items(office: Office, benefit: Any) -> AgentItems:
    def detractor(customer: Customer) -> Any:
        use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
        return feedback_record(redemption=use, score=3, comment="Late.").followup

    suggestion = AgentSuggestion.objects.create(
        agent=office.agent, customer=office.mine, benefit=benefit, reason="Expiring",
        dedupe_key="access-table",
    )  # fmt: skip
    return AgentItems(detractor(office.mine), detractor(office.theirs), suggestion)


def _day_objects(mine: Customer, redemption: Redemption, items: Any) -> dict[str, Any]:
    """The agent's day about `mine`: a value profile, a detractor follow-up, an invitation."""
    from bookshelf.reach.models import CustomerValue, SurveyInvitation
    from bookshelf.reach.services import customer_values_refresh

    customer_values_refresh()
    invitation = SurveyInvitation.objects.create(
        redemption_id=redemption.pk, customer=mine, benefit_id=redemption.benefit_id,
        status="sent", nonce="access-table", expires_at=timezone.now() + timedelta(days=14),
    )  # fmt: skip
    return {
        "customervalue": CustomerValue.objects.get(customer=mine),
        "detractorfollowup": items.followup,
        "surveyinvitation": invitation,
    }


def SURVEY(w: World) -> str:
    from bookshelf.reach.invitations import survey_token

    return f"/api/v1/surveys/{survey_token(w.objects['surveyinvitation'])}"


def ME(w: World) -> str:
    return "/api/v1/agents/me"


def SUP_URL(w: World, supplier: Any = None) -> str:
    return f"/api/v1/suppliers/{(supplier or w.supplied.supplier).code}/fulfilments"


def _quota_balance(w: World) -> Any:
    from bookshelf.models import QuotaBalance

    return QuotaBalance.objects.get(holder=w.mine, benefit=w.benefit)


@dataclass
class Row:
    name: str
    method: str
    url: Callable[[World], str]
    expect: tuple[Any, ...]  # one cell per role, in ROLES order
    body: Callable[[World], dict[str, Any]] | None = None
    api: bool = True
    # What agents' own tokens get (Ann's, Bob's): by default nothing but the agent endpoints
    # (`token_cells`).
    tokens: tuple[Any, ...] | None = None


def C(w: World) -> str:
    return f"/api/v1/customers/{w.mine.customer_no}"


def adm(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(f"admin:{name}", args=[a(w) for a in args])


def obj(key: str) -> Callable[[World], Any]:
    return lambda w: (_quota_balance(w) if key == "quotabalance" else w.objects[key]).pk


def mine_pk(w: World) -> int:
    return w.mine.pk


#          anonymous read-only app  agent  another supervisor product
API_ROWS = [
    Row("categories", "get", lambda w: "/api/v1/categories",
        (401, OK, OK, OK, OK, OK, OK)),
    Row("benefits", "get", lambda w: "/api/v1/benefits",
        (401, OK, OK, OK, OK, OK, OK)),
    Row("benefit-detail", "get", lambda w: f"/api/v1/benefits/{w.benefit.code}",
        (401, OK, OK, OK, OK, OK, OK)),
    Row("bookshelf", "get", lambda w: f"{C(w)}/bookshelf",
        (401, OK, OK, OK, 404, OK, OK)),
    Row("redemptions", "get", lambda w: f"{C(w)}/redemptions",
        (401, OK, OK, OK, 404, OK, OK)),
    Row("redemptions", "post", lambda w: f"{C(w)}/redemptions",
        (401, 403, OK, OK, 404, OK, 403),
        body=lambda w: {"benefit": w.benefit.code}),
    Row("redemption-detail", "get", lambda w: f"{C(w)}/redemptions/{w.redemption.pk}",
        (401, OK, OK, OK, 404, OK, OK)),
    Row("redemption-detail", "get",  # another customer's use, under this customer's number
        lambda w: f"{C(w)}/redemptions/{w.their_redemption.pk}",
        (401, 404, 404, 404, 404, 404, 404)),
    Row("redemption-cancel", "post",
        lambda w: f"{C(w)}/redemptions/{w.redemption.pk}/cancel",
        (401, 403, OK, 403, 403, OK, 403)),
    Row("redemption-cancel", "post",  # another customer's use, under this customer's number
        lambda w: f"{C(w)}/redemptions/{w.their_redemption.pk}/cancel",
        (401, 403, 404, 403, 403, 404, 403)),
    Row("redemption-feedback", "post",
        lambda w: f"{C(w)}/redemptions/{w.redemption.pk}/feedback",
        (401, 403, OK, 403, 403, 403, 403), body=lambda w: {"score": 8}),
    Row("redemption-feedback", "post",
        lambda w: f"{C(w)}/redemptions/{w.their_redemption.pk}/feedback",
        (401, 403, 404, 403, 403, 403, 403), body=lambda w: {"score": 8}),
    Row("purchases", "get", lambda w: f"{C(w)}/purchases",
        (401, OK, OK, OK, 404, OK, OK)),
    Row("purchases", "post", lambda w: f"{C(w)}/purchases",
        (401, 403, OK, 403, 403, 403, 403),
        body=lambda w: {"benefit": w.paid.code, "quantity": 1, "payment_reference": "P-2"}),
    Row("recommendations", "get", lambda w: f"{C(w)}/recommendations",
        (401, OK, OK, OK, 404, OK, OK)),
    Row("consents", "get", lambda w: f"{C(w)}/consents",
        (401, OK, OK, OK, 404, OK, 403)),
    Row("consents", "post", lambda w: f"{C(w)}/consents",
        (401, 403, OK, OK, 404, OK, 403),
        body=lambda w: {"purpose": "marketing_sms", "granted": False, "channel": "phone"}),
    Row("events", "post", lambda w: f"{C(w)}/events",
        (401, 403, OK, 403, 403, 403, 403), body=lambda w: {"kind": "claim_filed"}),
    Row("demand-signals", "post", lambda w: "/api/v1/demand-signals",
        (401, 403, OK, OK, 404, OK, 403),
        body=lambda w: {"text": "Pet vet", "customer": w.mine.customer_no}),
    Row("webhooks", "get", lambda w: "/api/v1/webhooks",
        (401, 403, OK, 403, 403, 403, 403)),
    Row("webhooks", "post", lambda w: "/api/v1/webhooks",
        (401, 403, OK, 403, 403, 403, 403),
        body=lambda w: {"name": "mine", "url": "https://app.example.com/hook"}),
    Row("webhook-detail", "delete", lambda w: f"/api/v1/webhooks/{w.foreign_webhook.pk}",
        (401, 403, 404, 403, 403, 403, 403)),
    Row("webhook-rotate", "post",
        lambda w: f"/api/v1/webhooks/{w.foreign_webhook.pk}/rotate-secret",
        (401, 403, 404, 403, 403, 403, 403)),
    # Supplier endpoints take a supplier's signature and nothing else: no token, no session.
    Row("supplier-fulfilments", "get", SUP_URL, (401, 401, 401, 401, 401, 401, 401)),
    Row("supplier-fulfilment", "get", lambda w: f"{SUP_URL(w)}/{w.supplied.fulfilment.pk}",
        (401, 401, 401, 401, 401, 401, 401)),
    Row("supplier-fulfilment-events", "post",
        lambda w: f"{SUP_URL(w)}/{w.supplied.fulfilment.pk}/events",
        (401, 401, 401, 401, 401, 401, 401),
        body=lambda w: {"event_id": "e1", "type": "failed"}),
    # The agents' mobile app: an agent's own token or an agent's session; any other client or
    # staff without an agent (product staff) are 403 `not_an_agent`.
    #                                                      tokens: Ann's   Bob's
    # Bob's list, and Bob's token's, never show Ann's customer; his actions on her items
    # answer `not_found` (the action tests check nothing was done).
    Row("agent-worklist", "get", lambda w: f"{ME(w)}/worklist",
        (401, 403, 403, OK, HIDDEN, OK, 403), tokens=(OK, HIDDEN)),
    Row("agent-worklist-push", "post", lambda w: f"{ME(w)}/worklist/push",
        (401, 403, 403, OK, HIDDEN, OK, 403), tokens=(OK, HIDDEN),
        body=lambda w: {"items": [f"suggestion:{w.agent_items.suggestion.pk}"],
                        "channel": "app_message"}),
    Row("agent-worklist-dismiss", "post", lambda w: f"{ME(w)}/worklist/dismiss",
        (401, 403, 403, OK, HIDDEN, OK, 403), tokens=(OK, HIDDEN),
        body=lambda w: {"items": [f"suggestion:{w.agent_items.suggestion.pk}"]}),
    Row("agent-followup", "get", lambda w: f"{ME(w)}/followups/{w.agent_items.followup.pk}",
        (401, 403, 403, OK, 404, OK, 403), tokens=(OK, 404)),
    Row("agent-followup", "get",  # Bob's customer's follow-up
        lambda w: f"{ME(w)}/followups/{w.agent_items.their_followup.pk}",
        (401, 403, 403, 404, OK, OK, 403), tokens=(404, OK)),
    Row("agent-followup-calls", "post",
        lambda w: f"{ME(w)}/followups/{w.agent_items.followup.pk}/calls",
        (401, 403, 403, OK, 404, OK, 403), tokens=(OK, 404),
        body=lambda w: {"outcome": "unreachable"}),
    # A survey link: the signed token is the credential, whoever holds it (no login).
    Row("survey", "get", SURVEY, (OK, OK, OK, OK, OK, OK, OK), tokens=(OK, OK)),
    Row("schema", "get", lambda w: "/api/schema/", (OK, OK, OK, OK, OK, OK, OK)),
    Row("api-docs", "get", lambda w: "/api/docs/", (OK, OK, OK, OK, OK, OK, OK)),
]  # fmt: skip

L = LOGIN
ADMIN_ROWS = [
    # The agent's desk and the customer's record.
    Row("customer list", "get", adm("customers_customer_changelist"),
        (L, L, L, OK, HIDDEN, OK, OK), api=False),
    Row("customer search", "get",
        lambda w: reverse("admin:customers_customer_changelist") + f"?q={w.mine.phone[-4:]}",
        (L, L, L, OK, HIDDEN, OK, OK), api=False),
    # The search form posts its term; a full number goes on only as its keyed hash (or,
    # without the personal-data permission, is refused): each answer is a redirect.
    Row("customer search form", "post", adm("customers_customer_search"),
        (L, L, L, OK, OK, OK, OK), api=False, body=lambda w: {"q": w.mine.phone[-4:]}),
    Row("customer search by full phone", "post", adm("customers_customer_search"),
        (L, L, L, OK, OK, OK, OK), api=False, body=lambda w: {"q": w.mine.phone}),
    Row("customer search, full number in a link", "get",
        lambda w: reverse("admin:customers_customer_changelist") + f"?q={w.mine.id_number}",
        (L, L, L, OK, OK, OK, OK), api=False),
    Row("desk", "get", adm("customers_customer_change", mine_pk),
        (L, L, L, OK, 404, OK, OK), api=False),
    Row("record", "get", adm("customers_customer_edit", mine_pk),
        (L, L, L, OK, 404, OK, OK), api=False),
    Row("record history", "get", adm("customers_customer_history", mine_pk),
        (L, L, L, OK, 404, OK, OK), api=False),
    Row("record a use", "post", adm("customers_customer_redeem", mine_pk),
        (L, L, L, OK, 404, OK, 403), api=False,
        body=lambda w: {"token": "t", "benefit": w.benefit.code}),
    Row("push", "post", adm("customers_customer_push", mine_pk),
        (L, L, L, OK, 404, OK, 403), api=False,
        body=lambda w: {"token": "t", "benefit": w.benefit.code, "channel": "sms"}),
    Row("give or withdraw a consent", "post", adm("customers_customer_consent", mine_pk),
        (L, L, L, OK, 404, OK, 403), api=False,
        body=lambda w: {"token": "t", "purpose": "marketing_sms", "granted": "0",
                        "channel": "phone"}),
    Row("act on a suggestion", "post",
        lambda w: reverse("admin:customers_customer_suggestion", args=[w.mine.pk, 1, "dismiss"]),
        (L, L, L, OK, 404, OK, 403), api=False),
    Row("edit the record", "post", adm("customers_customer_edit", mine_pk),
        (L, L, L, 403, 404, 403, 403), api=False, body=lambda w: {"city": "Beijing"}),
    Row("add a customer", "get", adm("customers_customer_add"),
        (L, L, L, 403, 403, 403, 403), api=False),
    Row("delete a customer", "get", adm("customers_customer_delete", mine_pk),
        (L, L, L, 403, 404, 403, 403), api=False),
    Row("customer autocomplete", "get",
        lambda w: reverse("admin:autocomplete") + "?app_label=customers&model_name=policy"
        f"&field_name=customer&term={w.mine.customer_no}",
        (L, L, L, OK, HIDDEN, OK, OK), api=False),
    # Rows about customers: each list shows only the role's customers; the page and history
    # of a row about someone else's customer are 404, as if it did not exist.
    #                          list: agent another sup product   page: agent another sup product
    *[
        row
        for model, in_list, page in [
            ("customers_policy", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("customers_familylink", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("customers_tieroverride", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("customers_tierchange", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_redemption", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_fulfilment", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_purchase", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_quotabalance", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_demandsignal", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_push", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_outboxmessage", (403, 403, OK, OK), (403, 404, OK, OK)),
            ("bookshelf_redemptionfeedback", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_agentnotification", (OK, HIDDEN, OK, 403), (OK, 404, OK, 403)),
            ("bookshelf_customervalue", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            ("bookshelf_detractorfollowup", (OK, HIDDEN, OK, OK), (OK, 404, OK, OK)),
            # Product staff's: which uses were asked about (agents read the answers).
            ("bookshelf_surveyinvitation", (403, 403, 403, OK), (403, 404, 403, OK)),
            ("customers_piiaccesslog", (403, 403, 403, 403), (403, 403, 403, 403)),
            ("bookshelf_privacyrequest", (403, 403, 403, 403), (403, 403, 403, 403)),
            # An agent's own token points at the agent: tokens are for superusers only.
            ("bookshelf_apiclient", (403, 403, 403, 403), (403, 403, 403, 403)),
        ]
        for key in [model.split("_", 1)[1]]
        for row in (
            Row(f"{model} list", "get", adm(f"{model}_changelist"), (L, L, L, *in_list), api=False),
            Row(f"{model} page", "get", adm(f"{model}_change", obj(key)), (L, L, L, *page),
                api=False),
            Row(f"{model} history", "get", adm(f"{model}_history", obj(key)), (L, L, L, *page),
                api=False),
        )
    ],
    Row("push conversion", "get", adm("bookshelf_push_conversion"),
        (L, L, L, OK, OK, OK, OK), api=False),
    Row("shelf matrix", "get", adm("bookshelf_shelf_matrix"),
        (L, L, L, 403, 403, OK, OK), api=False),
    Row("shelf import", "get", adm("bookshelf_shelfcell_import"),
        (L, L, L, 403, 403, 403, OK), api=False),
    Row("shelf export", "get", adm("bookshelf_shelfcell_export"),
        (L, L, L, OK, OK, OK, OK), api=False),
    Row("catalog import", "get", adm("benefits_benefit_import"),
        (L, L, L, 403, 403, 403, OK), api=False),
    Row("catalog export", "get", adm("benefits_benefit_export"),
        (L, L, L, OK, OK, OK, OK), api=False),
]  # fmt: skip

TABLE = API_ROWS + ADMIN_ROWS


def _call(w: World, row: Row, role: str) -> Any:
    client = w.clients[role]
    url = row.url(w)
    data = row.body(w) if row.body else None
    if row.api:
        kwargs: dict[str, Any] = {"format": "json"} if data is not None else {}
        if row.method == "post":  # a use or a purchase needs one; the others ignore it
            kwargs["HTTP_IDEMPOTENCY_KEY"] = f"access-{role}-{row.name}"
        return getattr(client, row.method)(url, data, **kwargs)
    return getattr(client, row.method)(url, data or {})


def token_cells(row: Row) -> tuple[Any, ...]:
    """An agent's token opens the agent endpoints alone: every other endpoint is a 403 (a
    supplier's a 401: it takes a signature, nothing else), except the public schema."""
    if row.tokens is not None:
        return row.tokens
    if row.name.startswith("supplier-"):
        return (401, 401)
    if row.name in {"schema", "api-docs"}:
        return (OK, OK)
    return (403, 403)


def _role_sees_pii(w: World, role: str) -> bool:
    user = {AGENT: w.office.agent.user, SUP: w.office.supervisor.user}.get(role)
    return user is not None and can_view_pii(user)


@pytest.mark.parametrize("row", TABLE, ids=[f"{r.method} {r.name}" for r in TABLE])
def test_every_role_gets_what_the_table_says_and_nothing_more(world: World, row: Row):
    problems = _problems(world, row, zip(ROLES, row.expect, strict=True))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("row", API_ROWS, ids=[f"{r.method} {r.name}" for r in API_ROWS])
def test_agents_tokens_get_what_the_table_says_and_nothing_more(world: World, row: Row):
    problems = _problems(world, row, zip(TOKEN_ROLES, token_cells(row), strict=True))
    assert not problems, "\n".join(problems)


def _problems(world: World, row: Row, cells: Any) -> list[str]:
    problems = []
    for role, want in cells:
        response = _call(world, row, role)
        body = response.content.decode(errors="replace")
        if isinstance(want, int):
            refused = response.status_code == want
            if want == LOGIN:
                refused = refused and response["Location"].startswith(reverse("admin:login"))
            if not refused:
                problems.append(f"{role}: {response.status_code}, expected {want}")
            leaked = [s for s in world.secrets() if s in body]
            if leaked:
                problems.append(f"{role}: refused but the body holds {leaked}")
            continue
        location = response.get("Location", "") if response.status_code == 302 else ""
        if response.status_code not in OK_STATUSES or location.startswith(reverse("admin:login")):
            problems.append(f"{role}: {response.status_code}, expected to be let through")
            continue
        if want == HIDDEN:
            leaked = [s for s in world.secrets() if s in body]
            if leaked:
                problems.append(f"{role}: the list shows {leaked}")
        if row.api or not _role_sees_pii(world, role):
            shown = [s for s in (world.mine.phone, world.mine.id_number) if s in body]
            if shown:
                problems.append(f"{role}: unmasked {shown}")
    return problems


def test_the_table_covers_every_api_endpoint():
    covered = {row.name for row in API_ROWS}
    named = {pattern.name for pattern in api_urls.urlpatterns}
    assert named <= covered, sorted(named - covered)


def test_the_table_covers_every_admin_page_about_customers():
    """Each model admin whose model points at a customer (or an agent) has its list, page and
    history in the table: a new one must be added here."""
    about_customers = set()
    for model in admin.site._registry:
        pointed_at = {f.related_model for f in model._meta.fields if f.is_relation}
        if pointed_at & {Customer, Agent}:
            about_customers.add(f"{model._meta.app_label}_{model._meta.model_name}")
    about_customers.discard("customers_customer")  # the desk rows above
    about_customers.discard("customers_agent")  # staff, not customers
    covered = {row.name.rsplit(" ", 1)[0] for row in ADMIN_ROWS if row.name.endswith(" list")}
    assert about_customers <= covered, sorted(about_customers - covered)


def test_a_hidden_customer_looks_exactly_like_a_missing_one(world: World):
    """A refused agent gets the same 404 for a customer that exists as for one that does
    not: no oracle for customer numbers."""
    client = world.clients[OTHER]
    real = client.get(f"{C(world)}/bookshelf")
    fake = client.get("/api/v1/customers/T99999999/bookshelf")
    assert (real.status_code, json.loads(real.content)) == (
        fake.status_code,
        json.loads(fake.content),
    )


def _signed(w: World, method: str, url: str, *, other: bool = False) -> Any:
    from tests.bookshelf.api.supplier_calls import signed

    s = w.supplied
    key_id, secret = (s.other_key_id, s.other_secret) if other else (s.key_id, s.secret)
    body = {"event_id": "access-1", "type": "failed"} if method == "post" else None
    return signed(method, url, key_id, secret, body)


def test_a_supplier_sees_and_moves_only_its_own_fulfilments(world: World):
    s = world.supplied
    own, theirs = SUP_URL(world), SUP_URL(world, s.other)
    fid = s.fulfilment.pk
    listed = _signed(world, "get", own)
    own_count = Fulfilment.objects.filter(supplier=s.supplier).count()
    assert own_count >= 1
    assert listed.status_code == 200 and listed.json()["count"] == own_count
    assert _signed(world, "get", f"{own}/{fid}").status_code == 200
    # Another supplier, correctly signed, under its own code: the fulfilment does not exist.
    assert _signed(world, "get", theirs, other=True).json()["count"] == 0
    for method, url in (("get", f"{theirs}/{fid}"), ("post", f"{theirs}/{fid}/events")):
        assert _signed(world, method, url, other=True).status_code == 404, url
    # Another supplier's key under this supplier's code: not a valid signature.
    for method, url in (("get", own), ("get", f"{own}/{fid}"), ("post", f"{own}/{fid}/events")):
        refused = _signed(world, method, url, other=True)
        assert refused.status_code == 401, url
        assert refused.json()["code"] == "signature_invalid"
    # What the supplier reads names the customer masked, never their numbers or full name.
    for response in (listed, _signed(world, "get", f"{own}/{fid}")):
        body = response.content.decode()
        assert not [x for x in world.secrets() if x in body], body


def test_a_supplier_s_signature_opens_no_customer_endpoint(world: World):
    paths = [
        f"{C(world)}/bookshelf",
        f"{C(world)}/redemptions",
        f"{C(world)}/redemptions/{world.redemption.pk}",
        "/api/v1/benefits",
        "/api/v1/webhooks",
    ]
    for path in paths:
        response = _signed(world, "get", path)
        assert response.status_code == 401, path
        body = response.content.decode()
        assert not [x for x in world.secrets() if x in body], path
    posted = _signed(world, "post", f"{C(world)}/redemptions/{world.redemption.pk}/cancel")
    assert posted.status_code == 401
