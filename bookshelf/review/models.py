"""The living shelf: demand signals, review settings, runs, findings, proposals, and the
notices agents get when a benefit their customers used is retired."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit, Category
from config.models import TimeStamped
from customers.models import Customer, Tier

from .wording import colon


class DemandSource(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")


class DemandSynonym(TimeStamped):
    """A word customers use for a domain term (看病 for 医疗, vet for 宠物 医疗): product staff
    edit the table; new requests use it at once, old ones after `demand_regroup`."""

    term = models.CharField(_("word customers use"), max_length=60, unique=True)
    canonical = models.CharField(
        _("means"),
        max_length=60,
        help_text=_("The term it stands for; two words separated by a space are two words."),
    )

    class Meta:
        ordering = ["canonical", "term"]
        verbose_name = _("demand synonym")
        verbose_name_plural = _("demand synonyms")

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"


class DemandGroup(TimeStamped):
    """Requests for one wish, however they were worded: a new request joins the group whose
    wordings are most like its words (`demand_text.similarity`), or starts one."""

    label = models.CharField(_("label"), max_length=200)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_groups",
    )
    key = models.CharField(
        _("words"),
        max_length=200,
        db_index=True,
        editable=False,
        help_text=_("The normalised words of the request that started the group."),
    )
    seeds = models.JSONField(
        _("wordings compared with"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The requests new ones are compared with; a merge adds the merged group's."),
    )
    variants = models.JSONField(
        _("their words"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The seeds' normalised words, recomputed by a regrouping."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand group")
        verbose_name_plural = _("demand groups")

    def __str__(self) -> str:
        return self.label


class DemandGroupTerm(models.Model):
    """What finds a group for a new request: each word and character bigram of its wordings."""

    group = models.ForeignKey(
        DemandGroup, verbose_name=_("demand group"), on_delete=models.CASCADE, related_name="terms"
    )
    term = models.CharField(_("term"), max_length=60)

    class Meta:
        ordering = ["group", "term"]
        verbose_name = _("demand group term")
        verbose_name_plural = _("demand group terms")
        constraints = [
            models.UniqueConstraint(fields=["term", "group"], name="demand_group_term_unique")
        ]

    def __str__(self) -> str:
        return self.term


class DemandSignal(models.Model):
    """A customer or agent asks for a benefit that is not on the shelf."""

    text = models.CharField(_("what was asked for"), max_length=500)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("existing benefit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    source = models.CharField(
        _("asked by"), max_length=10, choices=DemandSource.choices, default=DemandSource.CUSTOMER
    )
    tier_snapshot = models.PositiveSmallIntegerField(
        _("customer's tier then"), choices=Tier.choices, null=True, blank=True
    )
    text_key = models.CharField(
        _("grouping key"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("The request's words, normalised (simplified, segmented, synonyms)."),
    )
    group = models.ForeignKey(
        DemandGroup,
        verbose_name=_("demand group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
    )
    group_manual = models.BooleanField(
        _("grouped by staff"),
        default=False,
        db_default=False,  # rows copied in bulk (the scale seeder) leave it out
        help_text=_("Set by a merge or a split: a regrouping keeps it where staff put it."),
    )
    held_benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("their tier already holds"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A benefit of the customer's tier that the request names: not a pull."),
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand signal")
        verbose_name_plural = _("demand signals")
        indexes = [
            models.Index(fields=["created_at", "category", "text_key"], name="demand_review"),
            models.Index(fields=["group", "created_at"], name="demand_group_time"),
            models.Index(fields=["customer", "created_at"], name="demand_customer_time"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewSettings(TimeStamped):
    """The thresholds of the shelf review, edited by product staff. The row without a category
    is the default; a row for a top-level category overrides it for that category's benefits."""

    category = models.OneToOneField(
        Category,
        verbose_name=_("top-level category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="review_settings",
        help_text=_("Leave empty for the default that every other category follows."),
    )
    min_usage_rate = models.DecimalField(
        _("minimum usage rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "Share of the customers who could use a benefit that did use it in the window; "
            "below it in every tier that holds it, usage is low (0.01 = 1%)."
        ),
    )
    min_eligible = models.PositiveIntegerField(
        _("customers needed to judge a tier"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A tier with fewer customers who could use the benefit is shown but not judged: "
            "a rate over a handful of customers is noise."
        ),
    )
    consecutive_reviews = models.PositiveSmallIntegerField(
        _("low reviews in a row before proposing"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "The review looks back itself at the windows of the previous reviews (one every "
            "'review every' days), so a missed run never resets the count."
        ),
    )
    window_days = models.PositiveSmallIntegerField(
        _("usage window (days)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text=_("How far back the scheduled review counts uses; read from the default row."),
    )
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("The cadence of the review schedule; read from the default row."),
    )
    grace_days = models.PositiveIntegerField(
        _("grace period for new benefits (days)"),
        default=180,
        help_text=_("A benefit on the shelf for less than this is never proposed."),
    )
    promote_nps = models.SmallIntegerField(
        _("NPS that keeps a rarely used benefit"),
        default=50,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("A rarely used benefit rated at least this is flagged to promote, not retire."),
    )
    nps_days = models.PositiveIntegerField(
        _("NPS over the last (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Answers are few for rarely used benefits, so the NPS looks back further than the "
            "usage window; read from the default row."
        ),
    )
    min_responses = models.PositiveIntegerField(
        _("answers needed for the NPS to count"), default=5, validators=[MinValueValidator(1)]
    )
    response_days = models.PositiveIntegerField(
        _("days to answer a retirement proposal"),
        default=14,
        validators=[MinValueValidator(1)],
        help_text=_("A proposal nobody answers in this time retires the benefit automatically."),
    )
    demand_threshold = models.PositiveIntegerField(
        _("requests that make a pull proposal"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Requests for the same thing in the window; read from the default row."),
    )
    notify_recent_days = models.PositiveIntegerField(
        _("tell agents of customers who used it in the last (days)"), default=90
    )
    max_cost_per_user = models.DecimalField(
        _("highest cost per active user (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("300.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "What the uses of the window may cost per customer who used the benefit; above "
            "it the benefit is costly for its use, unless its NPS keeps it."
        ),
    )

    class Meta:
        ordering = ["category__path_code"]
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        if self.category_id is None:
            return str(_("Default review settings"))
        return str(_("Review settings for %(code)s") % {"code": self.category})

    def clean(self) -> None:
        if self.category_id is None:
            clash = ReviewSettings.objects.filter(category__isnull=True).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"category": _("There is already a default row: edit it instead.")}
                )
        elif Category.objects.filter(pk=self.category_id, parent__isnull=False).exists():
            raise ValidationError({"category": _("Choose a top-level category.")})

    def thresholds(self) -> dict[str, Any]:
        return {
            "min_usage_rate": float(self.min_usage_rate),
            "min_eligible": self.min_eligible,
            "consecutive_reviews": self.consecutive_reviews,
            "grace_days": self.grace_days,
            "promote_nps": self.promote_nps,
            "min_responses": self.min_responses,
            "nps_days": self.nps_days,
            "review_every_days": self.review_every_days,
            "window_days": self.window_days,
            "response_days": self.response_days,
            "demand_threshold": self.demand_threshold,
            "notify_recent_days": self.notify_recent_days,
            "max_cost_per_user": str(self.max_cost_per_user),
        }


class ReviewStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReviewRun(models.Model):
    """One review of the shelf over one window. (window_end, window_days) is its key: the same
    review run twice, or retried after a worker died, is this one row."""

    window_end = models.DateField(
        _("window end"), help_text=_("The window covers the days before this date.")
    )
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.RUNNING
    )
    thresholds = models.JSONField(
        _("thresholds used"),
        default=dict,
        help_text=_("The review settings as they were when the run started."),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    benefits_reviewed = models.PositiveIntegerField(_("benefits reviewed"), default=0)
    retire_proposals = models.PositiveIntegerField(_("retirement proposals"), default=0)
    pull_proposals = models.PositiveIntegerField(_("pull proposals"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-window_end", "-window_days"]
        verbose_name = _("shelf review")
        verbose_name_plural = _("shelf reviews")
        constraints = [
            models.UniqueConstraint(fields=["window_end", "window_days"], name="reviewrun_window")
        ]

    def __str__(self) -> str:
        return str(
            _("Review to %(end)s (%(days)s days)")
            % {"end": self.window_end.isoformat(), "days": self.window_days}
        )


class Verdict(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    LOW = "low", _("Low usage")
    GRACE = "grace", _("Low usage, new benefit")
    PROMOTE = "promote", _("Keep, promote it")
    COSTLY = "costly", _("Costly for its use")
    RETIRE = "retire", _("Propose retirement")
    PENDING = "pending", _("Proposal open")
    TOO_FEW = "too_few", _("Too few customers to judge")


class ReviewFinding(models.Model):
    """What the review saw of one benefit in one tier (or, with no tier, in all its tiers:
    then `rate` is the best tier's rate and `verdict` is the benefit's)."""

    run = models.ForeignKey(
        ReviewRun, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="findings"
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, null=True, blank=True, help_text=_("Empty: all tiers.")
    )
    eligible = models.PositiveIntegerField(_("customers who could use it"), default=0)
    users = models.PositiveIntegerField(_("customers who used it"), default=0)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    cost = models.DecimalField(
        _("cost (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The unit costs of the window's uses; empty when none had a price."),
    )
    rate = models.FloatField(_("usage rate"), null=True, blank=True)
    responses = models.PositiveIntegerField(_("NPS answers"), default=0)
    promoters = models.PositiveIntegerField(_("promoters (9-10)"), default=0)
    detractors = models.PositiveIntegerField(_("detractors (0-6)"), default=0)
    nps = models.SmallIntegerField(_("NPS"), null=True, blank=True)
    low_streak = models.PositiveSmallIntegerField(_("low reviews in a row"), default=0)
    verdict = models.CharField(_("verdict"), max_length=15, choices=Verdict.choices)

    class Meta:
        ordering = ["run", "benefit__code", "tier"]
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "benefit", "tier"],
                condition=Q(tier__isnull=False),
                name="finding_unique_tier",
            ),
            models.UniqueConstraint(
                fields=["run", "benefit"],
                condition=Q(tier__isnull=True),
                name="finding_unique_benefit",
            ),
        ]

    def __str__(self) -> str:
        tier = self.get_tier_display() if self.tier is not None else gettext("all tiers")
        return gettext("Review %(run)s, %(tier)s: %(verdict)s") % {
            "run": self.run_id,
            "tier": tier,
            "verdict": self.get_verdict_display(),
        }

    def _per(self, count: int) -> Decimal | None:
        if self.cost is None or not count:
            return None
        return (Decimal(self.cost) / count).quantize(Decimal("0.01"))

    @property
    def cost_per_use(self) -> Decimal | None:
        return self._per(self.uses)

    @property
    def cost_per_user(self) -> Decimal | None:
        """Per active user: per customer who used it in the window."""
        return self._per(self.users)

    @property
    def cost_per_promoter(self) -> Decimal | None:
        """Per promoter (an NPS of 9-10, over the NPS horizon); None without promoters."""
        return self._per(self.promoters)


class DiscoverabilityFinding(models.Model):
    """Customers asked a review's window for something their tier already holds: they did
    not find it. Not a pull; product staff and agents show them how."""

    run = models.ForeignKey(
        ReviewRun,
        verbose_name=_("review"),
        on_delete=models.CASCADE,
        related_name="discoverability",
    )
    group = models.ForeignKey(
        DemandGroup,
        verbose_name=_("demand group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit they hold"), on_delete=models.CASCADE, related_name="+"
    )
    wording = models.CharField(_("what they asked for"), max_length=500)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    customers = models.PositiveIntegerField(_("customers asking"), default=0)
    tiers = models.JSONField(
        _("requests by tier"), default=dict, blank=True, help_text=_("Tier value → requests.")
    )

    class Meta:
        ordering = ["run", "-customers", "-requests", "benefit__code"]
        verbose_name = _("discoverability finding")
        verbose_name_plural = _("discoverability findings")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "group", "benefit"], name="discoverability_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.wording} → {self.benefit_id}"


class ProposalKind(models.TextChoices):
    RETIRE = "retire", _("Take off the shelf")
    PULL = "pull", _("Pull onto the shelf")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for product staff")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Kept / dismissed")
    AUTO_RETIRED = "auto_retired", _("Retired automatically (no answer)")


class Proposal(models.Model):
    """What a review proposes: retire a rarely used benefit, or pull a loudly requested one
    onto the shelf. `evidence` keeps the numbers that made the proposal."""

    run = models.ForeignKey(
        ReviewRun, verbose_name=_("review"), on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    key = models.CharField(
        _("what it is about"),
        max_length=250,
        help_text=_("benefit:<code> for a retirement; the request group for a pull."),
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=500)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    customers = models.PositiveIntegerField(_("customers asking"), default=0)
    tiers = models.JSONField(
        _("requests by tier"), default=dict, blank=True, help_text=_("Tier value → requests.")
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    saving_per_year = models.DecimalField(
        _("saving a year (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The window's cost of the benefit, annualised: what retiring it saves."),
    )
    status = models.CharField(
        _("status"), max_length=15, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    deadline = models.DateTimeField(_("answer by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shelf proposal")
        verbose_name_plural = _("shelf proposals")
        indexes = [models.Index(fields=["status", "deadline"], name="proposal_due")]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "key"], name="proposal_unique_in_run"),
            models.CheckConstraint(
                condition=~Q(kind="retire") | Q(benefit__isnull=False),
                name="proposal_retire_has_benefit",
            ),
        ]

    def __str__(self) -> str:
        return colon(self.get_kind_display(), self.shown_title)

    @property
    def shown_title(self) -> str:
        """What a page calls the proposal: a retirement names its benefit in the reader's
        language (the stored title is in the language the review ran in); a pull's title is
        the customers' own words."""
        benefit = self.benefit if self.benefit_id is not None else None
        if self.kind == ProposalKind.RETIRE and benefit is not None:
            return f"{benefit.code} {benefit.name}"
        return self.title


class NotificationKind(models.TextChoices):
    BENEFIT_RETIRED = "benefit_retired", _("A benefit your customers used was retired")


class AgentNotification(models.Model):
    """A message for an agent. `event_key` makes each event reach each agent once, however
    often the job that sends it runs."""

    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    event_key = models.CharField(_("event"), max_length=120)
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    customers = models.PositiveIntegerField(_("customers concerned"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agent notification")
        verbose_name_plural = _("agent notifications")
        constraints = [
            models.UniqueConstraint(fields=["agent", "event_key"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.event_key}"

    @property
    def message(self) -> str:
        if self.kind == NotificationKind.BENEFIT_RETIRED and self.benefit is not None:
            return str(
                _(
                    "%(benefit)s has been retired. %(n)s of your customers used it recently; "
                    "their purchased uses stay valid until they expire."
                )
                % {"benefit": self.benefit, "n": self.customers}
            )
        return str(self.get_kind_display())
