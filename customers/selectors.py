"""Read paths about customers: who they are, which tier the rules give them, and why."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.db_batch import Key, Read, fetch_batch
from config.exceptions import NotFound

from .error_codes import CustomerErrorCode
from .models import (
    Agent,
    Consent,
    ConsentPurpose,
    ConsentText,
    Customer,
    Policy,
    PolicyStatus,
    Tier,
    TierOverride,
    TierRule,
)
from .pii import MOBILE_RE, RESIDENT_ID_RE, pii_hash


@dataclass(frozen=True)
class TierDecision:
    """The tier the rules (or an override) give a customer, and a sentence saying why."""

    tier: Tier
    reason: str
    from_override: bool = False


def tier_rules_list() -> list[TierRule]:
    return list(TierRule.objects.order_by("tier"))


# The reasons the rules give (also rebuilt in SQL by `tier_recalc_candidates`).
REASON_NO_POLICY = gettext_lazy("no in-force policy")
REASON_ORDINARY = gettext_lazy("in-force policies, annual premium ¥%(premium)s")
REASON_RULE = gettext_lazy("rule %(tier)s: annual premium ¥%(premium)s ≥ ¥%(threshold)s")


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def tier_from_premium(
    *, has_in_force: bool, premium: Decimal, rules: Iterable[TierRule]
) -> TierDecision:
    """The ladder: no in-force policy is a prospect, one is ordinary, VIP tiers by premium."""
    if not has_in_force:
        return TierDecision(Tier.PROSPECT, str(REASON_NO_POLICY))
    best: TierRule | None = None
    for rule in sorted(rules, key=lambda r: r.tier):
        if premium >= rule.min_annual_premium:
            best = rule
    if best is None:
        return TierDecision(Tier.ORDINARY, str(REASON_ORDINARY) % {"premium": _yuan(premium)})
    return TierDecision(
        Tier(best.tier),
        str(REASON_RULE)
        % {
            "tier": Tier(best.tier).label,
            "premium": _yuan(premium),
            "threshold": _yuan(best.min_annual_premium),
        },
    )


# Python formats yuan with round-half-even and thousands commas: the same in SQL.
_SQL_YUAN = (
    "to_char(CASE WHEN pr.total - trunc(pr.total) = 0.5 AND mod(trunc(pr.total), 2) = 0 "
    "THEN trunc(pr.total) ELSE round(pr.total) END, 'FM999,999,999,999,999,999,990')"
)


def tier_recalc_candidates(
    *, after: int, size: int, rules: list[TierRule], now: Any
) -> tuple[int, int, list[int]]:
    """The next `size` customers by key after `after`: (last key, how many, the keys of those
    the rules might change). One query, the rules applied in SQL.

    A customer is a candidate when the tier or the reason the rules give differ from what is
    stored, a downgrade is pending, or an override is active: a superset of the customers
    `tier_transition` changes, which the job then decides in Python under row locks. On
    PostgreSQL only; elsewhere every customer of the batch is a candidate."""
    if connection.vendor != "postgresql":
        ids = list(
            Customer.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
        )
        return (ids[-1] if ids else after), len(ids), ids
    ordered = sorted(rules, key=lambda r: r.tier, reverse=True)
    tier_case = ["CASE WHEN pr.total IS NULL THEN %s"]
    reason_case = ["CASE WHEN pr.total IS NULL THEN %s"]
    tier_params: list[Any] = [int(Tier.PROSPECT)]
    reason_params: list[Any] = [str(REASON_NO_POLICY)]
    for rule in ordered:
        tier_case.append("WHEN pr.total >= %s THEN %s")
        tier_params += [rule.min_annual_premium, int(rule.tier)]
        template = str(REASON_RULE) % {
            "tier": Tier(rule.tier).label,
            "premium": "%(premium)s",
            "threshold": _yuan(rule.min_annual_premium),
        }
        reason_case.append(f"WHEN pr.total >= %s THEN replace(%s, '%%(premium)s', {_SQL_YUAN})")
        reason_params += [rule.min_annual_premium, template]
    tier_case.append("ELSE %s END")
    tier_params.append(int(Tier.ORDINARY))
    reason_case.append(f"ELSE replace(%s, '%%(premium)s', {_SQL_YUAN}) END")
    reason_params.append(str(REASON_ORDINARY))
    bound_sql = (
        "SELECT COALESCE((SELECT id FROM customers_customer WHERE id > %s ORDER BY id "
        "OFFSET %s LIMIT 1), (SELECT max(id) FROM customers_customer WHERE id > %s))"
    )
    sql = f"""
        SELECT max(c.id), count(*), array_agg(c.id ORDER BY c.id) FILTER (
            WHERE ov.customer_id IS NOT NULL OR c.tier_downgrade_due IS NOT NULL
               OR c.tier <> ({" ".join(tier_case)})
               OR c.tier_reason <> left({" ".join(reason_case)}, 255))
        FROM customers_customer c
        LEFT JOIN (
            SELECT customer_id, sum(annual_premium) AS total FROM customers_policy
            WHERE customer_id > %s AND customer_id <= %s AND status = %s GROUP BY customer_id
        ) pr ON pr.customer_id = c.id
        LEFT JOIN (
            SELECT DISTINCT customer_id FROM customers_tieroverride
            WHERE customer_id > %s AND customer_id <= %s AND expires_at > %s
        ) ov ON ov.customer_id = c.id
        WHERE c.id > %s AND c.id <= %s
    """  # noqa: S608 - the CASE branches are built from placeholders only
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(bound_sql, [after, max(size - 1, 0), after])
        bound = cursor.fetchone()
        upper = bound[0] if bound else None
        if upper is None:
            return after, 0, []
        # A short scan: compiling it (JIT) would cost more than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            sql,
            [
                *tier_params,
                *reason_params,
                after,
                upper,
                PolicyStatus.IN_FORCE.value,
                after,
                upper,
                now,
                after,
                upper,
            ],
        )
        row = cursor.fetchone()
    last, count, candidates = row if row else (None, 0, None)
    return (last if last is not None else after), int(count or 0), list(candidates or [])


def tier_override_active(*, customer: Customer, now: Any = None) -> TierOverride | None:
    now = now or timezone.now()
    return (
        TierOverride.objects.filter(customer=customer, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )


def tier_from_override(*, override: TierOverride) -> TierDecision:
    return TierDecision(
        Tier(override.tier),
        _("manual override until %(date)s: %(reason)s")
        % {
            "date": timezone.localdate(override.expires_at).isoformat(),
            "reason": override.reason,
        },
        from_override=True,
    )


def customer_tier_decide(*, customer: Customer, now: Any = None) -> TierDecision:
    """What the tier should be now: an active override wins, otherwise the rules."""
    override = tier_override_active(customer=customer, now=now)
    if override is not None:
        return tier_from_override(override=override)
    in_force = Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE)
    premium = in_force.aggregate(total=Sum("annual_premium"))["total"]
    return tier_from_premium(
        has_in_force=premium is not None,
        premium=premium or Decimal("0"),
        rules=tier_rules_list(),
    )


@dataclass(frozen=True)
class TierTransition:
    """What a tier decision does to a customer today: the tier, reason and downgrade date
    they end up with, and whether that is a change of tier to record."""

    tier: int
    reason: str
    downgrade_due: date | None
    changed: bool


def tier_transition(
    *,
    current: int,
    current_reason: str,
    downgrade_due: date | None,
    decision: TierDecision,
    today: date,
    grace_days: int,
) -> TierTransition:
    """The ladder's timing rules, shared by the per-customer refresh and the nightly bulk job:
    upgrades and overrides apply at once; a downgrade waits `grace_days` from the day it is
    first seen, and is forgotten if the customer reaches their tier again meanwhile."""
    if decision.tier == current:
        return TierTransition(current, decision.reason[:255], None, changed=False)
    if decision.tier > current or decision.from_override:
        return TierTransition(decision.tier, decision.reason[:255], None, changed=True)
    due = downgrade_due
    if due is None:
        due = today + timedelta(days=grace_days)
        if grace_days > 0:
            return TierTransition(current, current_reason, due, changed=False)
    if today >= due:
        reason = _("downgrade after grace period: %(reason)s") % {"reason": decision.reason}
        return TierTransition(decision.tier, reason[:255], None, changed=True)
    return TierTransition(current, current_reason, due, changed=False)


# --- Consent (PIPL): the latest record of each purpose is its state ------------------------


@dataclass(frozen=True)
class ConsentState:
    """Where one purpose stands for one customer: `record` is its latest grant or withdrawal
    (None: never asked). `valid` says whether the customer may be contacted for it now."""

    purpose: str
    record: Consent | None
    valid: bool

    @property
    def label(self) -> str:
        return str(ConsentPurpose(self.purpose).label)

    @property
    def granted(self) -> bool:
        return bool(self.record and self.record.granted)

    @property
    def lapsed(self) -> bool:
        """Granted, but on a text that was retired since: to be asked again."""
        return self.granted and not self.valid


@dataclass(frozen=True)
class ConsentSet:
    """Every purpose's state for one customer, as of `at` (one query)."""

    customer_id: int
    at: datetime
    states: dict[str, ConsentState]

    def valid(self, purpose: str) -> bool:
        state = self.states.get(purpose)
        return bool(state and state.valid)

    def __iter__(self) -> Iterator[ConsentState]:
        return iter(self.states[p] for p in ConsentPurpose.values)


def _latest_consents(*, customer_ids: Iterable[int], at: datetime) -> QuerySet[Consent]:
    """The latest record at or before `at` of each (customer, purpose) that has one: a record
    with no later one for the same customer and purpose (one query, on both databases). An
    erased customer has none: their consents are kept as evidence, but never count again."""
    later = Consent.objects.filter(
        customer_id=OuterRef("customer_id"), purpose=OuterRef("purpose"), created_at__lte=at
    ).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    return Consent.objects.filter(
        customer_id__in=list(customer_ids), created_at__lte=at, customer__erased_at__isnull=True
    ).filter(~Exists(later))


def _counts_at(record: Consent, at: datetime) -> bool:
    """A grant counts unless its text was retired by `at`."""
    if not record.granted:
        return False
    text = record.text
    return text is None or text.retired_at is None or text.retired_at > at


def consents_current(*, customer: Customer, at: datetime | None = None) -> ConsentSet:
    """Every purpose's consent state for the customer as of `at` (default now): one query."""
    at = at or timezone.now()
    latest = {
        r.purpose: r
        for r in _latest_consents(customer_ids=[customer.pk], at=at).select_related("text")
    }
    states = {
        purpose: ConsentState(
            purpose=purpose,
            record=latest.get(purpose),
            valid=purpose in latest and _counts_at(latest[purpose], at),
        )
        for purpose in ConsentPurpose.values
    }
    return ConsentSet(customer_id=customer.pk, at=at, states=states)


def consent_valid(*, customer: Customer, purpose: str, at: datetime | None = None) -> bool:
    """May the customer be contacted for `purpose` at `at` (default now)? Their latest record
    of it by then is a grant, on a text not retired by then."""
    return consents_current(customer=customer, at=at).valid(purpose)


def customers_consenting(
    *, customer_ids: Iterable[int], purposes: Iterable[str], at: datetime | None = None
) -> set[int]:
    """Of `customer_ids`, those with a valid consent for at least one of `purposes` at `at`:
    one query for a whole batch (the sweeps)."""
    at = at or timezone.now()
    wanted = set(purposes)
    rows = (
        _latest_consents(customer_ids=customer_ids, at=at)
        .filter(purpose__in=wanted, granted=True)
        .select_related("text")
        .only("customer_id", "purpose", "granted", "text__retired_at")
    )
    return {r.customer_id for r in rows if _counts_at(r, at)}


def consent_history(*, customer: Customer, limit: int = 200) -> list[Consent]:
    """The customer's grants and withdrawals, newest first: the proof PIPL asks for."""
    return list(
        Consent.objects.filter(customer=customer)
        .select_related("recorded_by")
        .order_by("-created_at", "-id")[:limit]
    )


def consent_text_current(*, purpose: str, version: str) -> ConsentText | None:
    """The text `version` of `purpose`, if it exists and is not retired."""
    return (
        ConsentText.objects.filter(purpose=purpose, version=version, retired_at__isnull=True)
        .order_by("pk")
        .first()
    )


def consent_texts_current() -> dict[str, list[ConsentText]]:
    """The versions each purpose may be given on now, newest first."""
    texts: dict[str, list[ConsentText]] = {p: [] for p in ConsentPurpose.values}
    for t in ConsentText.objects.filter(retired_at__isnull=True).order_by("-published_at", "-id"):
        texts.setdefault(t.purpose, []).append(t)
    return texts


def user_sees_all_customers(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.has_perm("customers.view_all_customers"))
    )


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    """The customers a staff user may see: everyone for product staff and superusers, the
    assigned ones for an agent, and the team's for a supervisor. Anyone else: nobody."""
    qs = Customer.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user_sees_all_customers(user):
        return qs
    agent = getattr(user, "agent", None)
    if agent is None:
        return qs.none()
    return qs.filter(Q(agent=agent) | Q(agent__supervisor=agent))


def agents_visible_to(user: Any) -> QuerySet[Agent]:
    """The agents whose work a staff user may see: the same scope as their customers (an
    agent themselves, a supervisor their team, everyone for whoever sees every customer)."""
    qs = Agent.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user_sees_all_customers(user):
        return qs
    agent = getattr(user, "agent", None)
    if agent is None:
        return qs.none()
    return qs.filter(Q(pk=agent.pk) | Q(supervisor=agent))


# What a hot read by number takes of the customer: every field but the ID number (never
# decrypted on a read that does not show it) and, unless asked for, the tags (JSON); they load
# on access.
@dataclass(frozen=True)
class _Card:
    fields: list[Any]
    sql: str
    moments: tuple[int, ...]
    dates: tuple[int, ...]
    converted: list[tuple[int, Any]]
    booleans: list[int]
    tags: int | None  # the tags' position, when read


def _card(left_out: tuple[str, ...]) -> _Card:
    fields = [f for f in Customer._meta.concrete_fields if f.attname not in left_out]
    moments = tuple(i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField))
    dates = tuple(
        i for i, f in enumerate(fields) if isinstance(f, models.DateField) and i not in moments
    )
    tags = next((i for i, f in enumerate(fields) if f.attname == "tags"), None)
    return _Card(
        fields=fields,
        sql=f"SELECT {', '.join(str(f.column) for f in fields)} "  # noqa: S608 - column names
        "FROM customers_customer WHERE customer_no = %s",
        moments=moments,
        dates=dates,
        # The encrypted fields (decrypted as the ORM would) and the booleans (SQLite's 0/1);
        # the tags come back decoded inside the statement's JSON (or as text, on SQLite).
        converted=[
            (i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value") and i != tags
        ],
        booleans=[i for i, f in enumerate(fields) if isinstance(f, models.BooleanField)],
        tags=tags,
    )


_CARD = _card(("id_number", "tags"))
_CARD_WITH_TAGS = _card(("id_number",))
# What the recommender reads of a customer: the tags, and no phone (never shown there, so
# never decrypted; loaded from the database if anything asked for it).
_CARD_PROFILE = _card(("id_number", "phone"))
# What the benefit centre reads of a customer (its summary, household, eligibility and the
# erasure check); any other field is loaded from the database if something asks for it.
_CENTRE_FIELDS = ("id", "customer_no", "name", "birth_date", "gender", "phone", "tier", "erased_at")
_CARD_CENTRE = _card(
    tuple(f.attname for f in Customer._meta.concrete_fields if f.attname not in _CENTRE_FIELDS)
)


def customer_by_number_read(
    customer_no: str, *, tags: bool = False, profile: bool = False, centre: bool = False
) -> Read:
    """The customer with this number, as one read of a batch (`config.db_batch`); with
    `tags`, their profile tags too; `profile`: the tags and not the phone (what the
    recommender reads of them); `centre`: what the benefit centre reads of them only
    (`customer_from_rows` is told the same)."""
    card = _card_of(tags=tags, profile=profile, centre=centre)
    return Read(card.sql, [customer_no], len(card.fields), dates=card.dates, moments=card.moments)


def customer_id_of_read(read: int) -> Key:
    """The id of the customer a `customer_by_number_read` found, for the reads after it in
    the same batch (read `read` of it): no second look-up by number."""
    column = next(i for i, f in enumerate(_CARD.fields) if f.primary_key)
    for card in (_CARD_WITH_TAGS, _CARD_PROFILE, _CARD_CENTRE):
        assert column == next(i for i, f in enumerate(card.fields) if f.primary_key)
    return Key.read_first(read, column)


def _card_of(*, tags: bool = False, profile: bool = False, centre: bool = False) -> _Card:
    if centre:
        return _CARD_CENTRE
    return _CARD_PROFILE if profile else _CARD_WITH_TAGS if tags else _CARD


def customer_from_rows(
    rows: list[list[Any]], *, profile: bool = False, centre: bool = False
) -> Customer:
    """The customer of `customer_by_number_read` (404 when there is none); `profile` and
    `centre` as it was read."""
    if not rows:
        raise customer_not_found()
    values = rows[0]
    if profile or centre:
        card = _card_of(profile=profile, centre=centre)
    else:
        card = _CARD_WITH_TAGS if len(values) == len(_CARD_WITH_TAGS.fields) else _CARD
    for i, field in card.converted:
        values[i] = field.from_db_value(values[i], None, connection)
    for i in card.booleans:
        values[i] = bool(values[i])
    if card.tags is not None and isinstance(values[card.tags], str):
        values[card.tags] = orjson.loads(values[card.tags])
    return Customer.from_db(connection.alias, [f.attname for f in card.fields], values)


def customer_by_number(customer_no: str, *, using: str | None = None) -> Customer:
    """Any customer by number (404 if none): one prepared statement of every field but the
    ID number (decrypted only if read; the agent too loads on access), instead of the ORM."""
    (rows,) = fetch_batch([customer_by_number_read(customer_no, tags=True)], using=using)
    return customer_from_rows(rows)


def customer_get(*, customer_no: str, queryset: QuerySet[Customer] | None = None) -> Customer:
    qs = queryset if queryset is not None else Customer.objects.all()
    if not qs.query.where:
        # Any customer (an API client's scope, staff who see everyone, the commands): every
        # API request starts here, so one prepared read by the unique number, no ORM query.
        return customer_by_number(customer_no)
    try:
        return qs.select_related("agent").get(customer_no=customer_no)
    except Customer.DoesNotExist:
        raise customer_not_found() from None


def customer_not_found() -> NotFound:
    """The same answer whether the customer does not exist, is not the caller's or was
    erased, and no echo of the number asked for."""
    return NotFound(
        CustomerErrorCode.CUSTOMER_NOT_FOUND, _("No such customer, or not yours to see.")
    )


# A full number in a search, once it has left the form: its keyed hash, never the number.
_SEARCH_REFERENCE_RE = re.compile(r"^(phone|id):([0-9a-f]{64})$")
_REFERENCE_COLUMNS = {"phone": "phone_hash", "id": "id_number_hash"}
SEARCH_REFERENCE_FIELDS = {"phone": "phone", "id": "id_number"}


def customer_search_reference(query: str) -> str | None:
    """For a full phone or ID number, what a URL may carry instead: `phone:<keyed hash>` or
    `id:<keyed hash>`. None for any other search term."""
    query = (query or "").strip()
    if MOBILE_RE.match(query):
        return f"phone:{pii_hash(query)}"
    if RESIDENT_ID_RE.match(query.upper()):
        return f"id:{pii_hash(query)}"
    return None


def customer_search_full_number(query: str) -> str | None:
    """Which personal field (`phone`, `id_number`) a search term confirms the owner of: a
    full number or its reference. None for customer numbers, names and last digits."""
    query = (query or "").strip()
    reference = customer_search_reference(query) or query
    match = _SEARCH_REFERENCE_RE.match(reference)
    return SEARCH_REFERENCE_FIELDS[match.group(1)] if match else None


def customer_search(
    *, query: str, queryset: QuerySet[Customer] | None = None, personal: bool = True
) -> QuerySet[Customer]:
    """By customer number, name, the last digits of the phone, or a full phone or ID number
    (through their keyed hashes: the numbers themselves are stored encrypted).

    With `personal=False` (a user who sees personal data masked) the search is no oracle on
    what is masked: full numbers find nobody and names are not searched."""
    qs = queryset if queryset is not None else Customer.objects.all()
    query = (query or "").strip()
    if not query:
        return qs
    reference = _SEARCH_REFERENCE_RE.match(customer_search_reference(query) or query)
    if reference is not None:
        if not personal:
            return qs.none()
        column = _REFERENCE_COLUMNS[reference.group(1)]
        return qs.filter(**{column: reference.group(2)})
    if query.isdigit() and len(query) <= 4:
        return qs.filter(phone_last4__endswith=query) | qs.filter(customer_no__icontains=query)
    if not personal:
        return qs.filter(customer_no__icontains=query)
    return qs.filter(customer_no__icontains=query) | qs.filter(name__icontains=query)
