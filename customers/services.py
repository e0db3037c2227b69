"""Write paths about customers: each function validates, writes atomically, says what changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError, NotAllowed
from config.replicas import customer_wrote
from config.users import acting_user

from . import signals
from .error_codes import CustomerErrorCode
from .models import (
    INVERSE_RELATION,
    Agent,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ConsentText,
    Customer,
    FamilyLink,
    PiiAccessLog,
    Policy,
    PolicyStatus,
    Relation,
    Tier,
    TierChange,
    TierOverride,
    TierPolicy,
)
from .pii import pii_hash, token_uses_current_key
from .selectors import (
    TierDecision,
    consent_text_current,
    consent_texts_current,
    customer_tier_decide,
    tier_from_override,
    tier_from_premium,
    tier_recalc_candidates,
    tier_rules_list,
    tier_transition,
)


def tier_policy_get() -> TierPolicy:
    obj = TierPolicy.objects.order_by("pk").first()
    if obj is None:
        obj = TierPolicy.objects.create()
    return obj


def customer_create(
    *,
    customer_no: str,
    name: str,
    birth_date: date,
    gender: str,
    phone: str,
    id_number: str,
    city: str = "",
    agent: Agent | None = None,
    tags: list[str] | None = None,
) -> Customer:
    customer = Customer(
        customer_no=customer_no,
        name=name,
        birth_date=birth_date,
        gender=gender,
        city=city,
        phone=phone,
        id_number=id_number.upper(),
        agent=agent,
        tags=tags or [],
        tier=Tier.PROSPECT,
        tier_reason=_("no in-force policy"),
    )
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def family_link_create(*, customer: Customer, relative: Customer, relation: str) -> FamilyLink:
    """Link two customers as family, in both directions (spouse ↔ spouse, child ↔ parent)."""
    link = FamilyLink(customer=customer, relative=relative, relation=relation)
    link.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
            FamilyLink.objects.create(
                customer=relative,
                relative=customer,
                relation=INVERSE_RELATION[Relation(relation)],
            )
    except IntegrityError:
        raise Conflict(
            CustomerErrorCode.FAMILY_LINK_EXISTS,
            _("These customers are already linked as family."),
        ) from None
    return link


@transaction.atomic
def family_link_delete(*, customer: Customer, relative: Customer) -> int:
    deleted, _unused = FamilyLink.objects.filter(
        customer__in=[customer, relative], relative__in=[customer, relative]
    ).delete()
    return deleted


@transaction.atomic
def policy_create(
    *,
    customer: Customer,
    policy_no: str,
    product_line: str,
    annual_premium: Decimal,
    start_date: date,
    end_date: date | None = None,
    status: str = PolicyStatus.IN_FORCE,
    refresh_tier: bool = True,
) -> Policy:
    policy = Policy(
        customer=customer,
        policy_no=policy_no,
        product_line=product_line,
        annual_premium=annual_premium,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    policy.full_clean()
    policy.save()
    if refresh_tier:
        customer_tier_refresh(customer=customer)
    return policy


@transaction.atomic
def policy_set_status(*, policy: Policy, status: str, refresh_tier: bool = True) -> Policy:
    if status not in PolicyStatus.values:
        raise DomainError(CustomerErrorCode.INVALID, _("Unknown policy status."), field="status")
    policy.status = status
    policy.save(update_fields=["status", "updated_at"])
    if refresh_tier:
        customer_tier_refresh(customer=policy.customer)
    return policy


def _record_change(customer: Customer, new_tier: int, reason: str, now: datetime) -> TierChange:
    change = TierChange.objects.create(
        customer=customer, from_tier=customer.tier, to_tier=new_tier, reason=reason, created_at=now
    )
    signals.tier_changed.send(
        sender=Customer,
        customer=customer,
        from_tier=customer.tier,
        to_tier=new_tier,
        reason=reason,
        at=now,
    )
    customer.tier = new_tier
    customer.tier_reason = reason[:255]
    customer.tier_set_at = now
    customer.tier_downgrade_due = None
    customer.save(
        update_fields=["tier", "tier_reason", "tier_set_at", "tier_downgrade_due", "updated_at"]
    )
    return change


@transaction.atomic
def customer_tier_refresh(*, customer: Customer, now: datetime | None = None) -> TierChange | None:
    """Apply the tier the rules give: upgrades at once, downgrades after the grace period.

    Overrides are honoured until they expire. Returns the change recorded, if any.
    """
    now = now or timezone.now()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    decision = customer_tier_decide(customer=customer, now=now)
    grace = tier_policy_get().downgrade_grace_days if decision.tier < customer.tier else 0
    step = tier_transition(
        current=customer.tier,
        current_reason=customer.tier_reason,
        downgrade_due=customer.tier_downgrade_due,
        decision=decision,
        today=timezone.localdate(now),
        grace_days=grace,
    )
    if step.changed:
        return _record_change(customer, step.tier, step.reason, now)
    if step.downgrade_due is not None and customer.tier_downgrade_due is None:
        signals.tier_downgrade_scheduled.send(
            sender=Customer,
            customer=customer,
            to_tier=decision.tier,
            due=step.downgrade_due,
            reason=decision.reason,
        )
    if (customer.tier_reason, customer.tier_downgrade_due) != (step.reason, step.downgrade_due):
        customer.tier_reason = step.reason
        customer.tier_downgrade_due = step.downgrade_due
        customer.save(update_fields=["tier_downgrade_due", "tier_reason", "updated_at"])
    return None


@transaction.atomic
def tier_override_create(
    *, customer: Customer, tier: int, reason: str, expires_at: datetime, created_by: Any = None
) -> TierOverride:
    override = TierOverride(
        customer=customer, tier=tier, reason=reason, expires_at=expires_at, created_by=created_by
    )
    override.full_clean()
    override.save()
    customer_tier_refresh(customer=customer)
    return override


@dataclass
class TierRecalcReport:
    customers: int = 0
    upgrades: int = 0
    downgrades: int = 0
    downgrades_pending: int = 0
    batches: int = 0


_RECALC_FIELDS = ["tier", "tier_reason", "tier_set_at", "tier_downgrade_due", "updated_at"]
# Customers the rules are applied to in SQL at a time; the candidates among them are then
# decided `batch_size` at a time.
SCAN_WINDOW = 50_000


def _tiers_write(changed: list[Customer]) -> None:
    """Write the recalculated tier fields: one UPDATE per customer by key, sent together
    (psycopg pipelines executemany). Django's bulk_update builds a CASE per field and
    customer, which cost more than everything else in the job."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE customers_customer SET tier = %s, tier_reason = %s, tier_set_at = %s, "
            "tier_downgrade_due = %s, updated_at = %s WHERE id = %s",
            [
                (
                    c.tier,
                    c.tier_reason,
                    ops.adapt_datetimefield_value(c.tier_set_at),
                    ops.adapt_datefield_value(c.tier_downgrade_due),
                    ops.adapt_datetimefield_value(c.updated_at),
                    c.pk,
                )
                for c in changed
            ],
        )


@dataclass
class _TierOutcome:
    """What one batch's decisions change: customers to write, tier changes to record,
    downgrades newly scheduled."""

    changed: list[Customer] = field(default_factory=list)
    changes: list[TierChange] = field(default_factory=list)
    scheduled: list[tuple[Customer, int, date]] = field(default_factory=list)


def _tier_inputs(
    candidates: list[int], *, now: datetime
) -> tuple[dict[int, Decimal], dict[int, TierOverride]]:
    """The batch's in-force premiums and active overrides (the newest each): two queries."""
    premiums = dict(
        Policy.objects.filter(
            customer_id__gte=candidates[0],
            customer_id__lte=candidates[-1],
            customer_id__in=candidates,
            status=PolicyStatus.IN_FORCE,
        )
        .values("customer_id")
        .annotate(total=Sum("annual_premium"))
        .order_by()
        .values_list("customer_id", "total")
    )
    overrides: dict[int, TierOverride] = {}
    for active in TierOverride.objects.filter(
        customer_id__in=candidates, expires_at__gt=now
    ).order_by("customer_id", "-created_at"):
        overrides.setdefault(active.customer_id, active)
    return premiums, overrides


def _tier_decide_one(
    customer: Customer,
    decision: TierDecision,
    *,
    now: datetime,
    today: date,
    grace: int,
    report: TierRecalcReport,
    outcome: _TierOutcome,
) -> None:
    """Apply the decision to one customer (`tier_transition`) and note what changed."""
    step = tier_transition(
        current=customer.tier,
        current_reason=customer.tier_reason,
        downgrade_due=customer.tier_downgrade_due,
        decision=decision,
        today=today,
        grace_days=grace,
    )
    if step.changed:
        outcome.changes.append(
            TierChange(
                customer_id=customer.pk,
                from_tier=customer.tier,
                to_tier=step.tier,
                reason=step.reason,
                created_at=now,
            )
        )
        if step.tier > customer.tier:
            report.upgrades += 1
        else:
            report.downgrades += 1
        customer.tier = step.tier
        customer.tier_set_at = now
    elif step.downgrade_due is not None and customer.tier_downgrade_due is None:
        report.downgrades_pending += 1
        outcome.scheduled.append((customer, decision.tier, step.downgrade_due))
    elif (customer.tier_reason, customer.tier_downgrade_due) == (step.reason, step.downgrade_due):
        return
    customer.tier_reason = step.reason
    customer.tier_downgrade_due = step.downgrade_due
    customer.updated_at = now
    outcome.changed.append(customer)


def _tiers_decide(
    candidates: list[int],
    *,
    rules: list[Any],
    now: datetime,
    today: date,
    grace: int,
    report: TierRecalcReport,
) -> None:
    """Lock these customers, apply the rules with `tier_transition`, write what changed: one
    transaction, a fixed number of queries."""
    with transaction.atomic():
        batch = list(
            Customer.objects.select_for_update()
            .filter(pk__in=candidates)
            .order_by("pk")
            .only("pk", "customer_no", *_RECALC_FIELDS)
        )
        premiums, overrides = _tier_inputs(candidates, now=now)
        outcome = _TierOutcome()
        for customer in batch:
            override = overrides.get(customer.pk)
            premium = premiums.get(customer.pk)
            decision = (
                tier_from_override(override=override)
                if override is not None
                else tier_from_premium(
                    has_in_force=premium is not None,
                    premium=premium or Decimal("0"),
                    rules=rules,
                )
            )
            _tier_decide_one(
                customer,
                decision,
                now=now,
                today=today,
                grace=grace,
                report=report,
                outcome=outcome,
            )
        if outcome.changed:
            _tiers_write(outcome.changed)
        if outcome.changes:
            TierChange.objects.bulk_create(outcome.changes, batch_size=len(candidates))
        if outcome.changes or outcome.scheduled:
            by_id = {c.pk: c for c in batch}
            signals.tier_changes_recorded.send(
                sender=Customer,
                changes=[(by_id[ch.customer_id], ch) for ch in outcome.changes],
                scheduled=outcome.scheduled,
            )


def customer_tiers_recalculate(
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    progress: Callable[[int], Any] | None = None,
) -> TierRecalcReport:
    """Recompute every customer's tier in keyset batches by primary key, with the same rules
    and timing as `customer_tier_refresh` (upgrades at once, downgrades after the grace
    period, active overrides honoured), a fixed number of queries per batch, and one
    TierChange per change.

    The rules are first applied in SQL to find the customers they might change (on
    PostgreSQL; elsewhere all of them), 50,000 customers per query: at a million customers
    few change on a given night, and reading everyone into Python cost ten times one UPDATE
    (`make bench`, goal 5). The candidates are then locked and decided here as before,
    `batch_size` per transaction, so a concurrent refresh of one customer waits instead of
    being overwritten. `batches` counts the batches of `batch_size` customers gone through."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = tier_rules_list()
    grace = tier_policy_get().downgrade_grace_days
    report = TierRecalcReport()
    last_pk = 0
    window = max(batch_size, SCAN_WINDOW)
    while True:
        # The rules in SQL find who might change; only they are locked and decided here.
        last_pk, scanned, candidates = tier_recalc_candidates(
            after=last_pk, size=window, rules=rules, now=now
        )
        if not scanned:
            break
        report.customers += scanned
        report.batches += -(-scanned // batch_size)
        for i in range(0, len(candidates), batch_size):
            _tiers_decide(
                candidates[i : i + batch_size],
                rules=rules,
                now=now,
                today=today,
                grace=grace,
                report=report,
            )
        if progress is not None:
            progress(scanned)
    return report


# --- Personal data: the audit trail and key rotation ----------------------------------------


def pii_access_record(
    *,
    user: Any,
    customer: Customer,
    fields: list[str],
    view_name: str,
    request_id: str = "",
    remote_addr: str | None = None,
) -> PiiAccessLog:
    """Write down that `user` was shown `customer`'s personal `fields` unmasked on a page.

    Every page that shows a phone or ID number unmasked calls this before it renders."""
    rows = pii_access_record_many(
        user=user,
        customers=[customer],
        fields=fields,
        view_name=view_name,
        request_id=request_id,
        remote_addr=remote_addr,
    )
    return rows[0]


def pii_access_record_many(
    *,
    user: Any,
    customers: list[Customer],
    fields: list[str],
    view_name: str,
    request_id: str = "",
    remote_addr: str | None = None,
) -> list[PiiAccessLog]:
    """`pii_access_record` for several customers shown on one page (a desk's relatives, the
    owners a search found), in one insert."""
    if remote_addr:
        try:
            validate_ipv46_address(remote_addr)
        except ValidationError:
            remote_addr = None
    acting = acting_user(user)
    username = (user.get_username() if hasattr(user, "get_username") else str(user))[:150]
    return PiiAccessLog.objects.bulk_create(
        [
            PiiAccessLog(
                user=acting,
                username=username,
                customer=customer,
                customer_no=customer.customer_no,
                fields=list(fields),
                view_name=view_name[:100],
                request_id=(request_id or "")[:64],
                remote_addr=remote_addr or None,
            )
            for customer in customers
        ]
    )


@dataclass
class PiiRotationReport:
    customers: int = 0
    reencrypted: int = 0
    batches: int = 0


_PII_FIELDS = ["phone", "id_number", "phone_last4", "phone_hash", "id_number_hash"]


def customer_pii_reencrypt(
    *, batch_size: int = 500, progress: Callable[[int], Any] | None = None
) -> PiiRotationReport:
    """Re-encrypt every customer's phone and ID number with the current (first) key of
    PII_ENCRYPTION_KEYS and recompute the lookup hashes with PII_HASH_KEY, in keyset batches.

    Rows already under the current key with current hashes are left alone, so a run that was
    interrupted simply runs again. Each batch holds its rows' locks, so an edit of a customer
    in the meantime waits instead of being overwritten."""
    report = PiiRotationReport()
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Customer.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", *_PII_FIELDS)
                # The stored tokens themselves, next to the decrypted values.
                .annotate(
                    phone_token=Cast("phone", TextField()),
                    id_number_token=Cast("id_number", TextField()),
                )[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            stale = [
                customer
                for customer in batch
                if not (
                    token_uses_current_key(customer.phone_token)  # type: ignore[attr-defined]
                    and token_uses_current_key(customer.id_number_token)  # type: ignore[attr-defined]
                    and customer.phone_hash == pii_hash(customer.phone)
                    and customer.id_number_hash == pii_hash(customer.id_number)
                )
            ]
            for customer in stale:
                customer.search_columns_refresh()
            if stale:
                # Saving the plain values encrypts them again, with the first key.
                Customer.objects.bulk_update(stale, _PII_FIELDS, batch_size=batch_size)
            report.customers += len(batch)
            report.reencrypted += len(stale)
            report.batches += 1
        if progress is not None:
            progress(len(batch))
    return report


# --- Consent (PIPL): every grant and withdrawal is a new record ------------------------------

# The first version of each purpose's text, put in by migration customers 0007 (and by the
# tests' reference data). A changed text is a new version: add a ConsentText row; the
# Chinese texts are written by the translators as versions of their own.
CONSENT_TEXTS_V1: dict[str, tuple[str, str]] = {
    ConsentPurpose.MARKETING_APP_MESSAGE: (
        "app-message-v1",
        "I agree that the insurer may send me messages in its app about benefits I can use "
        "and offers that may suit me. I can withdraw this consent at any time in the app or "
        "through my agent.",
    ),
    ConsentPurpose.MARKETING_SMS: (
        "sms-v1",
        "I agree that the insurer may send me text messages (SMS) about benefits I can use "
        "and offers that may suit me. I can withdraw this consent at any time in the app or "
        "through my agent.",
    ),
}


def consent_texts_ensure(*, text_model: Any = None) -> int:
    """Put in the first text of each purpose that has none; returns how many. Idempotent
    (a migration passes its historical model)."""
    model = text_model or ConsentText
    made = 0
    for purpose, (version, text) in CONSENT_TEXTS_V1.items():
        _obj, created = model.objects.get_or_create(
            purpose=purpose, version=version, defaults={"text": text}
        )
        made += int(created)
    return made


def _recorder_name(recorded_by: Any, client_name: str) -> str:
    if client_name:
        return f"api-client:{client_name}"[:150]
    if getattr(recorded_by, "pk", None):
        return str(recorded_by.get_username())[:150]
    return "system"


def _consent_check(*, purpose: str, channel: str) -> None:
    if purpose not in ConsentPurpose.values:
        raise DomainError(
            CustomerErrorCode.CONSENT_PURPOSE_UNKNOWN,
            _("Unknown consent purpose. Known: %(known)s.")
            % {"known": ", ".join(ConsentPurpose.values)},
            field="purpose",
        )
    if channel not in ConsentChannel.values:
        raise DomainError(
            CustomerErrorCode.INVALID,
            _("Unknown consent channel. Known: %(known)s.")
            % {"known": ", ".join(ConsentChannel.values)},
            field="channel",
        )


def _consent_latest_locked(customer: Customer, purpose: str) -> Consent | None:
    """Lock the customer's row (so two records of one customer are written one after the
    other) and return the purpose's latest record."""
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    return (
        Consent.objects.filter(customer=customer, purpose=purpose)
        .select_related("text")
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def consent_give(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    text_version: str,
    recorded_by: Any = None,
    client_name: str = "",
) -> tuple[Consent, bool]:
    """Record that the customer agreed to `purpose` on text `text_version` (a current
    version of that purpose's text), through `channel`. Returns (record, created): if the
    latest record already grants it on the same text, that one, and nothing is written."""
    _consent_check(purpose=purpose, channel=channel)
    text = consent_text_current(purpose=purpose, version=(text_version or "").strip())
    if text is None:
        current = [t.version for t in consent_texts_current().get(purpose, [])]
        raise DomainError(
            CustomerErrorCode.CONSENT_TEXT_UNKNOWN,
            _("Unknown or retired text version for this purpose. Current: %(versions)s.")
            % {"versions": ", ".join(current) or "-"},
            field="text_version",
        )
    latest = _consent_latest_locked(customer, purpose)
    if latest is not None and latest.granted and latest.text_id == text.pk:
        return latest, False
    record = Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=True,
        channel=channel,
        text=text,
        text_version=text.version,
        recorded_by=acting_user(recorded_by),
        recorded_by_name=_recorder_name(recorded_by, client_name),
    )
    customer_wrote(customer.customer_no)
    return record, True


@transaction.atomic
def consent_withdraw(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    text_version: str = "",
    recorded_by: Any = None,
    client_name: str = "",
) -> tuple[Consent | None, bool]:
    """Record that the customer withdrew `purpose`, through `channel`; from now on nothing
    is sent for it, including what was queued before. Returns (record, created): if the
    purpose is not granted (withdrawn already, or never given), its latest record (or None)
    and nothing is written."""
    _consent_check(purpose=purpose, channel=channel)
    version = (text_version or "").strip()
    # A withdrawal needs no text; one named (what the customer was shown) must exist.
    text = ConsentText.objects.filter(purpose=purpose, version=version).first() if version else None
    if version and text is None:
        raise DomainError(
            CustomerErrorCode.CONSENT_TEXT_UNKNOWN,
            _("Unknown text version for this purpose."),
            field="text_version",
        )
    latest = _consent_latest_locked(customer, purpose)
    if latest is None or not latest.granted:
        return latest, False
    record = Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=False,
        channel=channel,
        text=text,
        text_version=version,
        recorded_by=acting_user(recorded_by),
        recorded_by_name=_recorder_name(recorded_by, client_name),
    )
    customer_wrote(customer.customer_no)
    return record, True


# Where each kind of caller may say a consent was given: a system (the app's backend, a
# call centre) never at an agent's desk, an agent never in the customer's own app.
CONSENT_CHANNELS_FOR_CLIENTS = (ConsentChannel.APP, ConsentChannel.PHONE, ConsentChannel.PAPER)
CONSENT_CHANNELS_FOR_STAFF = (
    ConsentChannel.AGENT_DESK,
    ConsentChannel.PHONE,
    ConsentChannel.PAPER,
)


def consent_record(
    *,
    customer: Customer,
    purpose: str,
    granted: bool,
    channel: str,
    text_version: str = "",
    recorded_by: Any = None,
    client_name: str = "",
) -> tuple[Consent | None, bool]:
    """Give (`granted`) or withdraw a purpose's consent, for the API and the desk: the
    channel must be one the caller may claim (`client_name` set: an API client)."""
    allowed = CONSENT_CHANNELS_FOR_CLIENTS if client_name else CONSENT_CHANNELS_FOR_STAFF
    if channel in ConsentChannel.values and channel not in allowed:
        raise NotAllowed(
            CustomerErrorCode.CONSENT_CHANNEL_NOT_ALLOWED,
            _(
                "This caller may not record a consent given through %(channel)s. Allowed: "
                "%(allowed)s."
            )
            % {"channel": ConsentChannel(channel).label, "allowed": ", ".join(allowed)},
            field="channel",
        )
    kwargs: dict[str, Any] = {
        "customer": customer,
        "purpose": purpose,
        "channel": channel,
        "text_version": text_version,
        "recorded_by": recorded_by,
        "client_name": client_name,
    }
    if granted:
        return consent_give(**kwargs)
    return consent_withdraw(**kwargs)
