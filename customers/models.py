"""Who the customer is: the tier ladder and its rules, agents, customers, families, policies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from config.display import money
from config.models import TimeStamped

from .fields import EncryptedCharField
from .pii import pii_hash, validate_mainland_mobile, validate_resident_id


class Tier(models.IntegerChoices):
    """The vertical axis of the shelf (客户分层), lowest to highest. Values compare: >= GOLD."""

    PROSPECT = 0, _("Prospect")
    ORDINARY = 10, _("Ordinary")
    GOLD = 20, _("VIP gold")
    PLATINUM = 30, _("VIP platinum")
    DIAMOND = 40, _("VIP diamond")
    HIGH_NET_WORTH = 50, _("High-net-worth")

    @classmethod
    def by_slug(cls, slug: str) -> Tier:
        return TIER_SLUGS[slug]

    @property
    def slug(self) -> str:
        return {v: k for k, v in TIER_SLUGS.items()}[self]


TIER_SLUGS: dict[str, Tier] = {
    "prospect": Tier.PROSPECT,
    "ordinary": Tier.ORDINARY,
    "gold": Tier.GOLD,
    "platinum": Tier.PLATINUM,
    "diamond": Tier.DIAMOND,
    "hnw": Tier.HIGH_NET_WORTH,
}

# Tiers sized by annual premium: their rules carry a threshold that product staff edit.
PREMIUM_TIERS = (Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND, Tier.HIGH_NET_WORTH)


class TierRule(TimeStamped):
    """A customer with in-force policies whose annual premium reaches the threshold gets the tier.

    Prospect (no in-force policy) and ordinary (any in-force policy) need no rule. Thresholds
    must rise with the tier: a higher tier never has a threshold at or below a lower one's.
    """

    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=[(t.value, t.label) for t in PREMIUM_TIERS], unique=True
    )
    min_annual_premium = models.DecimalField(
        _("minimum annual premium (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Sum of the annual premiums of the customer's in-force policies."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    history = HistoricalRecords(verbose_name=_("historical tier rule"))

    class Meta:
        ordering = ["tier"]
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_annual_premium__gte=0), name="tierrule_premium_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{Tier(self.tier).label} ≥ {money(self.min_annual_premium, decimals=0)}"

    def clean(self) -> None:
        if self.min_annual_premium is None:
            return
        if self.min_annual_premium <= 0:
            raise ValidationError(
                {"min_annual_premium": _("A VIP threshold must be above zero.")},
                code="invalid_threshold",
            )
        others = TierRule.objects.exclude(pk=self.pk)
        clash = others.filter(
            Q(tier__gt=self.tier, min_annual_premium__lte=self.min_annual_premium)
            | Q(tier__lt=self.tier, min_annual_premium__gte=self.min_annual_premium)
        ).first()
        if clash is not None:
            raise ValidationError(
                {
                    "min_annual_premium": _(
                        "Thresholds overlap with the rule for %(tier)s (%(amount)s): "
                        "a higher tier must need a higher premium."
                    )
                    % {"tier": Tier(clash.tier).label, "amount": money(clash.min_annual_premium)}
                },
                code="overlapping_thresholds",
            )


class TierPolicy(TimeStamped):
    """Settings of the tier ladder that product staff edit (a single row)."""

    downgrade_grace_days = models.PositiveIntegerField(
        _("downgrade grace period (days)"),
        default=90,
        help_text=_("A customer whose policies no longer reach their tier keeps it this long."),
    )

    class Meta:
        verbose_name = _("tier settings")
        verbose_name_plural = _("tier settings")

    def __str__(self) -> str:
        return str(_("Tier settings"))


class Agent(TimeStamped):
    """An insurance agent (代理人) or service staff member, with an optional supervisor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent",
    )
    agent_no = models.CharField(_("agent number"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    city = models.CharField(_("city"), max_length=40, blank=True)
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team",
    )

    class Meta:
        ordering = ["agent_no"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return f"{self.agent_no} {self.name}"

    def clean(self) -> None:
        if self.supervisor_id is not None and self.supervisor_id == self.pk:
            raise ValidationError(
                {"supervisor": _("An agent cannot supervise themselves.")}, code="self_supervisor"
            )


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class ProfileTag(models.TextChoices):
    """Profile tags (客户画像) that agents and the recommender read."""

    CHRONIC_CONDITION = "chronic_condition", _("Chronic condition")
    FREQUENT_TRAVELLER = "frequent_traveller", _("Frequent traveller")
    YOUNG_CHILDREN = "young_children", _("Has young children")
    ELDERLY_PARENTS = "elderly_parents", _("Cares for elderly parents")
    FITNESS = "fitness", _("Fitness enthusiast")
    HIGH_INCOME = "high_income", _("High income")
    NEW_PARENT = "new_parent", _("New parent")
    PREGNANT = "pregnant", _("Expecting a baby")
    SENIOR = "senior", _("Senior")


def validate_profile_tags(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Tags must be a list of tag codes."), code="invalid_tags")
    unknown = sorted(set(value) - set(ProfileTag.values))
    if unknown:
        raise ValidationError(
            _("Unknown profile tags: %(tags)s") % {"tags": ", ".join(unknown)},
            code="invalid_tags",
        )


class Customer(TimeStamped):
    customer_no = models.CharField(
        _("customer number"), max_length=20, unique=True, help_text=_("The key other systems use.")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    city = models.CharField(_("city"), max_length=40, blank=True)
    # Stored encrypted (see customers.pii); searched by the derived columns below.
    phone = EncryptedCharField(
        _("mobile phone"), max_length=11, validators=[validate_mainland_mobile]
    )
    phone_last4 = models.CharField(_("phone last 4 digits"), max_length=4, editable=False)
    phone_hash = models.CharField(_("phone lookup hash"), max_length=64, editable=False, blank=True)
    id_number = EncryptedCharField(
        _("resident ID number"), max_length=18, validators=[validate_resident_id]
    )
    id_number_hash = models.CharField(
        _("ID number lookup hash"), max_length=64, editable=False, blank=True
    )
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("assigned agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, default=Tier.PROSPECT, db_index=True
    )
    tier_set_at = models.DateTimeField(_("tier set at"), default=timezone.now)
    tier_reason = models.CharField(_("why this tier"), max_length=255, blank=True)
    tier_downgrade_due = models.DateField(
        _("downgrade due"),
        null=True,
        blank=True,
        help_text=_("Set when the customer's policies no longer reach their tier."),
    )
    tags = models.JSONField(
        _("profile tags"), default=list, blank=True, validators=[validate_profile_tags]
    )
    # PIPL: a legal hold (litigation, a regulator's request) keeps the record from erasure;
    # `erased_at` marks a customer anonymised on request (bookshelf.privacy).
    # Database defaults too: bulk loaders (COPY, seed_scale) leave these columns out.
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        db_default=False,
        help_text=_("While set, the customer's data may not be erased."),
    )
    legal_hold_reason = models.CharField(
        _("legal hold reason"), max_length=255, blank=True, default="", db_default=""
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the customer's personal data was erased on their request."),
    )

    class Meta:
        ordering = ["customer_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_customer_pii", _("Can see unmasked phone and ID numbers")),
            ("view_all_customers", _("Can see every customer, not only assigned ones")),
            ("erase_customer", _("Can erase a customer's personal data on request")),
        ]
        indexes = [
            models.Index(fields=["phone_last4"], name="customer_phone_last4"),
            # Plain b-tree indexes: exact lookups only (no LIKE index on PostgreSQL).
            models.Index(fields=["phone_hash"], name="customer_phone_hash"),
            models.Index(fields=["id_number_hash"], name="customer_id_number_hash"),
            models.Index(fields=["agent", "customer_no"], name="customer_agent"),
        ]

    def __str__(self) -> str:
        return self.customer_no

    # The columns derived from each personal field, written with it.
    SEARCH_COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "phone": ("phone_last4", "phone_hash"),
        "id_number": ("id_number_hash",),
    }

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_columns_refresh()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = {
                column
                for field, columns in self.SEARCH_COLUMNS.items()
                if field in update_fields  # type: ignore[operator]
                for column in columns
            }
            kwargs["update_fields"] = {*update_fields, *derived}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def search_columns_refresh(self) -> None:
        """Derived search columns, not business rules: keep them in step with the numbers.
        (Code that bulk-creates customers calls this itself; `save()` does it here.)"""
        self.id_number = (self.id_number or "").upper()
        self.phone_last4 = (self.phone or "")[-4:]
        self.phone_hash = pii_hash(self.phone or "")
        self.id_number_hash = pii_hash(self.id_number)

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")


INVERSE_RELATION = {
    Relation.SPOUSE: Relation.SPOUSE,
    Relation.CHILD: Relation.PARENT,
    Relation.PARENT: Relation.CHILD,
}


class FamilyLink(TimeStamped):
    """`relative` is `customer`'s spouse, child or parent. Links are kept in both directions."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="family_links"
    )
    relative = models.ForeignKey(
        Customer, verbose_name=_("family member"), on_delete=models.CASCADE, related_name="+"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        ordering = ["customer", "relative"]
        verbose_name = _("family link")
        verbose_name_plural = _("family links")
        constraints = [
            models.UniqueConstraint(fields=["customer", "relative"], name="familylink_unique"),
            models.CheckConstraint(
                condition=~Q(customer=models.F("relative")), name="familylink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.relative_id} ({self.get_relation_display()})"

    def clean(self) -> None:
        if self.customer_id is not None and self.customer_id == self.relative_id:
            raise ValidationError(
                {"relative": _("A customer cannot be linked to themselves as family.")},
                code="family_self_link",
            )


class ProductLine(models.TextChoices):
    LONG_TERM_LIFE = "long_term_life", _("Long-term life")
    CRITICAL_ILLNESS = "critical_illness", _("Critical illness")
    MEDICAL = "medical", _("Medical")
    ACCIDENT = "accident", _("Accident")
    ANNUITY = "annuity", _("Annuity")
    PROPERTY = "property", _("Property")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    LAPSED = "lapsed", _("Lapsed")
    SURRENDERED = "surrendered", _("Surrendered")


class Policy(TimeStamped):
    policy_no = models.CharField(_("policy number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="policies"
    )
    product_line = models.CharField(_("product line"), max_length=20, choices=ProductLine.choices)
    annual_premium = models.DecimalField(
        _("annual premium (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["policy_no"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        indexes = [models.Index(fields=["customer", "status"], name="policy_customer_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_premium__gte=0), name="policy_premium_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="policy_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.policy_no

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("A policy cannot end before it starts.")}, code="invalid_dates"
            )


class TierOverride(TimeStamped):
    """A manual exception to the tier rules, with a reason and an expiry."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tier_overrides",
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    reason = models.CharField(_("reason"), max_length=255)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        indexes = [models.Index(fields=["customer", "expires_at"], name="override_active")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {Tier(self.tier).label}"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why this customer is an exception.")})
        if self.expires_at and self.expires_at <= timezone.now():
            raise ValidationError({"expires_at": _("An override must expire in the future.")})


class TierChange(models.Model):
    """Each change of a customer's tier, with its reason: the audit trail of the ladder."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.PositiveSmallIntegerField(_("from tier"), choices=Tier.choices)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices)
    reason = models.CharField(_("reason"), max_length=255)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier} → {self.to_tier}"


class PiiAccessLog(models.Model):
    """Who saw which customer's phone or ID number unmasked, on which page, and when.

    Written by `pii_access_record` only; read by superusers. The user and customer are kept
    as names too, so the trail outlives a deleted account or record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="pii_access_logs",
    )
    customer_no = models.CharField(_("customer number"), max_length=20)
    fields = models.JSONField(_("fields shown"), default=list)
    view_name = models.CharField(_("page"), max_length=100)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    created_at = models.DateTimeField(_("seen at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [
            models.Index(fields=["customer", "created_at"], name="piiaccess_customer"),
            models.Index(fields=["user", "created_at"], name="piiaccess_user"),
        ]

    def __str__(self) -> str:
        # The title of the entry's page: who saw whom (the fields' labels are on the page).
        return f"{self.username} → {self.customer_no}"


# --- Consent (PIPL): what the customer agreed to be contacted for, with the proof -----------


class ConsentPurpose(models.TextChoices):
    """What a customer may consent to. Add a purpose here (and a text for it) as it comes."""

    MARKETING_APP_MESSAGE = "marketing_app_message", _("Marketing app messages")
    MARKETING_SMS = "marketing_sms", _("Marketing SMS")


class ConsentChannel(models.TextChoices):
    """Where the customer gave or withdrew consent."""

    APP = "app", _("Customer app")
    AGENT_DESK = "agent_desk", _("Agent desk")
    PHONE = "phone", _("Phone call")
    PAPER = "paper", _("Signed paper form")


class ConsentText(models.Model):
    """One version of the text a customer is shown when asked for a purpose's consent. Rows
    are never edited: a changed text is a new version. A retired version stops new grants,
    and grants given on it stop counting from `retired_at` (the customer is asked again).
    Its text is in English and Chinese (`text_en`, `text_zh_hans`: `customers/translation.py`);
    the customer reads the one of their language."""

    purpose = models.CharField(_("purpose"), max_length=40, choices=ConsentPurpose.choices)
    version = models.CharField(_("version"), max_length=40)
    text = models.TextField(_("text shown"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["purpose", "-published_at", "-id"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consenttext_version")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.version}"


class Consent(models.Model):
    """One grant or withdrawal of a purpose's consent: append-only, never edited, so the
    rows are the proof of who agreed to what, when, where and on which text. The current
    state of a purpose is its latest row (`customers.selectors.consents_current`).
    Written by `consent_give` and `consent_withdraw` only."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=40, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    text = models.ForeignKey(
        ConsentText,
        verbose_name=_("text shown"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text_version = models.CharField(_("text version"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user's name or the API client's, kept as text so the proof outlives the account.
    recorded_by_name = models.CharField(_("recorded by (name)"), max_length=150)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        # Append-only: nobody changes or deletes a record of consent.
        default_permissions = ("add", "view")
        indexes = [
            models.Index(
                fields=["customer", "purpose", "-created_at", "-id"], name="consent_latest"
            )
        ]

    def __str__(self) -> str:
        state = "+" if self.granted else "-"
        return f"{self.customer_id} {state}{self.purpose}"
