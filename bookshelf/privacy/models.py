"""The audit trail of the customer's rights: each export and each erasure, who asked for it
and when. An erasure's row keeps the customer number (the reference of the request) and a
reason with any personal data taken out, never the data that was erased."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class PrivacyRequestKind(models.TextChoices):
    EXPORT = "export", _("Data export")
    ERASURE = "erasure", _("Erasure")


class PrivacyRequest(models.Model):
    """One export or erasure of one customer's data. Written by the privacy services only."""

    kind = models.CharField(_("kind"), max_length=10, choices=PrivacyRequestKind.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="privacy_requests",
    )
    customer_no = models.CharField(_("customer number"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150)
    via = models.CharField(_("through"), max_length=40)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    summary = models.JSONField(_("rows concerned"), default=dict, blank=True)
    created_at = models.DateTimeField(_("done at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        indexes = [models.Index(fields=["customer", "created_at"], name="privacy_customer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.customer_no}"
