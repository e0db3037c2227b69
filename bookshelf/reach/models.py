"""Benefits find the customer: life events, agents' suggestions, recommendation tuning, peer
usage, pushes and their outbox messages."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit
from config.models import TimeStamped
from customers.models import Customer, Tier


class EventKind(models.TextChoices):
    CLAIM_FILED = "claim_filed", _("Claim filed")
    HOSPITAL_VISIT = "hospital_visit", _("Hospital visit")
    POLICY_ANNIVERSARY = "policy_anniversary", _("Policy anniversary")
    BIRTHDAY = "birthday", _("Birthday")
    TRIP_BOOKED = "trip_booked", _("Trip booked")
    NEW_FAMILY_MEMBER = "new_family_member", _("New family member")


class CustomerEvent(models.Model):
    """A moment that matters, posted by another system (claims, travel, CRM...)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.CharField(_("reported by"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    suggested_at = models.DateTimeField(_("turned into suggestions at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="event_customer_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "source", "external_id"],
                condition=~Q(external_id=""),
                name="event_external_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted (pushed)")
    DISMISSED = "dismissed", _("Dismissed")


class AgentSuggestion(models.Model):
    """Something for the agent to do for a customer now, and why ("claim filed yesterday:
    offer the hospital escort"). Made by the event and quota-expiry jobs, once each."""

    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="suggestions"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="suggestions"
    )
    # In English and Chinese (`reason_en`, `reason_zh_hans`: `bookshelf/translation.py`).
    reason = models.CharField(_("why"), max_length=255)
    dedupe_key = models.CharField(_("key"), max_length=120, unique=True)
    event = models.ForeignKey(
        CustomerEvent,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    push = models.ForeignKey(
        "bookshelf.Push",
        verbose_name=_("push"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # When acting on it stops being useful: the end of the expiring period, a week after an
    # event. The worklist ranks by it.
    due_on = models.DateField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agent suggestion")
        verbose_name_plural = _("agent suggestions")
        indexes = [models.Index(fields=["agent", "status"], name="suggestion_agent_open")]

    def __str__(self) -> str:
        return self.reason


class RecommendationWeights(TimeStamped):
    """How much each signal counts when ranking a customer's benefits: one row, tuned by
    product staff in the admin."""

    profile_tag = models.FloatField(_("matches a profile tag"), default=2.0)
    family = models.FloatField(_("suits the family (children, elderly parents)"), default=2.0)
    life_event = models.FloatField(_("fits a recent life event"), default=4.0)
    expiring = models.FloatField(_("unused uses expiring soon"), default=1.5)
    expiring_days = models.PositiveSmallIntegerField(_("'soon' means within (days)"), default=45)
    peers = models.FloatField(_("popular with similar customers"), default=20.0)
    habit = models.FloatField(_("the customer uses it already"), default=5.0)
    novelty = models.FloatField(_("not used yet"), default=0.3)
    product_line = models.FloatField(_("comes with a policy they hold"), default=1.0)
    event_window_days = models.PositiveSmallIntegerField(_("events count for (days)"), default=30)

    class Meta:
        verbose_name = _("recommendation weights")
        verbose_name_plural = _("recommendation weights")

    def __str__(self) -> str:
        return str(_("Recommendation weights"))


class PeerUsage(models.Model):
    """Share of customers of one tier and age band who used a benefit over the last year:
    the "popular with platinum customers aged 40-49" signal, refreshed by a nightly job."""

    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    age_band = models.PositiveSmallIntegerField(_("age band (decade)"))
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="+"
    )
    users = models.PositiveIntegerField(_("customers who used it"))
    customers = models.PositiveIntegerField(_("customers in the group"))
    share = models.FloatField(_("share"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["tier", "age_band", "-share"]
        verbose_name = _("peer usage")
        verbose_name_plural = _("peer usage")
        constraints = [
            models.UniqueConstraint(fields=["tier", "age_band", "benefit"], name="peerusage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier}/{self.age_band}/{self.benefit_id}: {self.share:.2f}"


class PushChannel(models.TextChoices):
    APP_MESSAGE = "app_message", _("App message")
    SMS = "sms", _("SMS")


class Push(models.Model):
    """An agent recommends a benefit the customer can use now (权益找客户): who, what, how."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="pushes"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="pushes"
    )
    benefit_code = models.CharField(_("benefit code"), max_length=40)
    channel = models.CharField(_("channel"), max_length=12, choices=PushChannel.choices)
    note = models.CharField(_("note to the customer"), max_length=300, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pushed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("pushed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push")
        verbose_name_plural = _("pushes")
        indexes = [models.Index(fields=["customer", "-created_at"], name="push_customer_time")]

    def __str__(self) -> str:
        return f"{self.benefit_code} → {self.customer_id} ({self.get_channel_display()})"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The customer withdrew consent for the channel after the push was queued: never sent,
    # never retried.
    REFUSED = "refused", _("Refused: no consent")


class OutboxMessage(models.Model):
    """A message to a customer, written in the same transaction as the push that asks for it.

    A row of the outbox with a lease (bookshelf.integrations.outbox): the delivery task claims
    it with a conditional UPDATE (pending, or sending with an expired lease -> sending until
    `locked_until`), so two workers never hold it at once, and a worker that dies mid-send is
    replaced once the lease ends. Delivery is at least once; every send carries the row's id
    as the gateway's idempotency reference. The gateway's own reference is kept once sent.
    """

    # A pushed benefit, or (no push) a survey invitation (`SurveyInvitation.outbox`).
    push = models.OneToOneField(
        Push,
        verbose_name=_("push"),
        on_delete=models.CASCADE,
        related_name="outbox",
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=12, choices=PushChannel.choices)
    recipient = models.CharField(
        _("recipient"),
        max_length=20,
        help_text=_("The customer number; the sender looks up the address."),
    )
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivery_ref = models.CharField(_("delivery reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} → {self.recipient}"


# --- Customer value (RFM) ----------------------------------------------------------------


class Segment(models.TextChoices):
    """RFM segments, named as agents speak of their customers."""

    NEW = "new", _("New customer")
    LOYAL = "loyal", _("Loyal regular")
    STEADY = "steady", _("Steady")
    AT_RISK = "at_risk", _("At risk of leaving")
    DORMANT = "dormant", _("Dormant")


class ValueWeights(TimeStamped):
    """How a customer's value score and lifetime value are computed: one row, tuned by
    product staff in the admin (the formula is in the README, "Customer value")."""

    premium = models.FloatField(_("weight of the premium"), default=3.0)
    recency = models.FloatField(_("weight of recent benefit use"), default=2.0)
    frequency = models.FloatField(_("weight of frequent benefit use"), default=2.0)
    tenure = models.FloatField(_("weight of years as a customer"), default=1.0)
    policies = models.FloatField(_("weight of policies held"), default=1.0)
    # Score 5 at or above these; the bands below are fixed fractions of them (README).
    premium_top = models.DecimalField(
        _("premium scored 5 (yuan a year)"), max_digits=12, decimal_places=2, default=200000
    )
    uses_top = models.PositiveIntegerField(_("uses in 12 months scored 5"), default=12)
    tenure_top_years = models.PositiveSmallIntegerField(_("years scored 5"), default=10)
    policies_top = models.PositiveSmallIntegerField(_("policies scored 5"), default=4)
    margin = models.DecimalField(
        _("margin on premium"),
        max_digits=4,
        decimal_places=3,
        default=0.15,
        help_text=_("Share of the yearly premium the insurer keeps, for the lifetime value."),
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("years ahead in the lifetime value"), default=8
    )
    new_days = models.PositiveSmallIntegerField(
        _("'new' for (days) after the first policy"), default=180
    )
    at_risk_days = models.PositiveSmallIntegerField(
        _("'at risk' when a regular has not used a benefit for (days)"), default=120
    )
    dormant_days = models.PositiveSmallIntegerField(
        _("'dormant' after no benefit use for (days)"), default=365
    )

    class Meta:
        verbose_name = _("customer value weights")
        verbose_name_plural = _("customer value weights")

    def __str__(self) -> str:
        return str(_("Customer value weights"))


class CustomerValue(models.Model):
    """A customer's value profile, recomputed nightly in SQL (`reach.value`): what the
    segment and score were made of, so the desk can say why."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="value",
    )
    premium = models.DecimalField(
        _("yearly premium in force"), max_digits=14, decimal_places=2, default=0
    )
    policies = models.PositiveSmallIntegerField(_("policies in force"), default=0)
    first_policy_on = models.DateField(_("customer since"), null=True, blank=True)
    last_use_at = models.DateTimeField(_("last benefit use"), null=True, blank=True)
    uses_year = models.PositiveIntegerField(_("benefit uses in 12 months"), default=0)
    cost_year = models.DecimalField(
        _("cost of benefits used in 12 months"), max_digits=14, decimal_places=2, default=0
    )
    recency_score = models.PositiveSmallIntegerField(_("recency (1-5)"), default=1)
    frequency_score = models.PositiveSmallIntegerField(_("frequency (1-5)"), default=1)
    premium_score = models.PositiveSmallIntegerField(_("premium (1-5)"), default=1)
    score = models.FloatField(_("value score (0-100)"), default=0, db_index=True)
    lifetime_value = models.DecimalField(
        _("lifetime value estimate"), max_digits=14, decimal_places=2, default=0
    )
    segment = models.CharField(
        _("segment"), max_length=10, choices=Segment.choices, default=Segment.NEW, db_index=True
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")

    def __str__(self) -> str:
        return f"{self.customer.customer_no} · {self.get_segment_display()} {self.score:.0f}"


# --- NPS: invitations and detractor follow-ups ------------------------------------------


class SurveySettings(TimeStamped):
    """How customers are asked "would you recommend this benefit?": one row, in the admin."""

    sample_rate = models.FloatField(
        _("share of fulfilled uses invited"),
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("A benefit's own rate, when set, replaces it."),
    )
    throttle_days = models.PositiveSmallIntegerField(
        _("at most one invitation per customer per (days)"), default=30
    )
    valid_days = models.PositiveSmallIntegerField(
        _("an invitation can be answered for (days)"), default=14
    )
    followup_hours = models.PositiveSmallIntegerField(
        _("a detractor is called back within (hours)"), default=48
    )
    # The invitation sweep's watermark: uses fulfilled up to here were decided (each sweep
    # looks back a little before it, for a transaction that committed late).
    invitations_swept_to = models.DateTimeField(
        _("invitations decided up to"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))


class BenefitSurveyRate(models.Model):
    """A benefit asked about more or less often than the default (0 never asks)."""

    benefit = models.OneToOneField(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="+"
    )
    sample_rate = models.FloatField(
        _("share of fulfilled uses invited"),
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )

    class Meta:
        verbose_name = _("survey rate of a benefit")
        verbose_name_plural = _("survey rates of benefits")

    def __str__(self) -> str:
        return f"{self.benefit_id}: {self.sample_rate:.2f}"


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    # Decided not to ask: recorded so that each use is decided once.
    NOT_SAMPLED = "not_sampled", _("Not sampled")
    THROTTLED = "throttled", _("Asked recently")


class SurveyInvitation(models.Model):
    """The decision to ask about one fulfilled use, and the question when it was asked: one
    row per use, so a sweep run twice asks once. The token is signed and used once."""

    redemption_id = models.BigIntegerField(_("redemption"), unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=InvitationStatus.choices)
    nonce = models.CharField(_("token nonce"), max_length=32, blank=True, editable=False)
    outbox = models.OneToOneField(
        "bookshelf.OutboxMessage",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    feedback = models.OneToOneField(
        "bookshelf.RedemptionFeedback",
        verbose_name=_("answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    created_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)
    # When the use was fulfilled: the redemption's time for an instant use, the fulfilment's
    # for a held one (what the survey page shows as "used on").
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("answerable until"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invitation_customer_time")
        ]

    def __str__(self) -> str:
        return f"#{self.redemption_id} {self.get_status_display()}"


class SurveyThrottle(models.Model):
    """When a customer was last invited: moved by one conditional UPDATE, so two uses
    fulfilled at once invite once."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("last invited at"))

    class Meta:
        verbose_name = _("survey throttle")
        verbose_name_plural = _("survey throttles")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.invited_at}"


class FollowUpOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    COMPENSATED = "compensated", _("Compensated")
    ESCALATED = "escalated", _("Escalated")
    UNREACHABLE = "unreachable", _("Unreachable")


class DetractorFollowUp(models.Model):
    """A customer who scored a use 0 to 6, to be called back by their agent: one per answer.
    Overdue, it is escalated to the agent's supervisor, once."""

    feedback = models.OneToOneField(
        "bookshelf.RedemptionFeedback",
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="followup",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="followups"
    )
    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="+"
    )
    redemption_id = models.BigIntegerField(_("redemption"))
    score = models.PositiveSmallIntegerField(_("score"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("call back by"))
    first_contact_at = models.DateTimeField(_("first reached at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("calls"), default=0)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=FollowUpOutcome.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("escalated to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("detractor follow-up")
        verbose_name_plural = _("detractor follow-ups")
        permissions = [("view_nps_report", _("Can read the NPS report"))]
        indexes = [
            models.Index(
                fields=["agent", "due_at"],
                condition=Q(closed_at__isnull=True),
                name="followup_open",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Follow-up of use #%(use)s, scored %(score)s")
            % {"use": self.redemption_id, "score": self.score}
        )


class FollowUpCall(models.Model):
    """One call back to a detractor: who, when, what came of it."""

    followup = models.ForeignKey(
        DetractorFollowUp,
        verbose_name=_("follow-up"),
        on_delete=models.CASCADE,
        related_name="calls",
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=FollowUpOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")

    def __str__(self) -> str:
        return f"{self.followup_id}: {self.get_outcome_display()}"
