"""Asking customers "would you recommend this benefit?" after a use is fulfilled.

Nothing happens on the use's own path (redemptions are benchmarked): a beat sweep every 10
minutes (`survey_invitations_sweep`) looks at the uses fulfilled since its watermark
(`SurveySettings.invitations_swept_to`, moved to the sweep's `now` at its end), starting
`SWEEP_OVERLAP` earlier so that a use whose transaction committed after the last sweep read
is not missed. Fulfilled means: an instant use (a completed redemption with no fulfilment),
or a held use whose fulfilment reached fulfilled or redeemed (a no-show is not asked).

Each use is decided once, by the database: one `SurveyInvitation` per redemption (unique),
sent, not_sampled or throttled; a second sweep, or two at once, find it decided. Not looked
at: a cancelled use, a use already rated, a customer whose data was erased.

- Sampling: the benefit's `BenefitSurveyRate`, else `SurveySettings.sample_rate`, against a
  keyed hash of the redemption id (`invitation_sampled`): the same answer on every run.
- Throttling: at most one invitation per customer (the beneficiary, who used it) per
  `SurveySettings.throttle_days`: their `SurveyThrottle` row is moved by one conditional
  UPDATE (`invited_at < now - days`) or created (its primary key is the customer), so two
  uses fulfilled at once invite once.
- The message: an `OutboxMessage` with no push, in Chinese, with the link to the survey
  (`settings.BOOKSHELF_SURVEY_URL`), delivered by `push_deliver` after commit. No marketing
  consent is needed (a question about a service the customer used is service
  communication); an erased customer is never invited, and never sent one queued before.
- The token: signed (`django.core.signing`, its own salt) over the invitation's id and its
  random nonce; answerable until `expires_at` (`SurveySettings.valid_days`), once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benefits.models import Benefit

from .. import jobs
from ..fulfilment.models import Fulfilment, FulfilmentState
from ..ledger.models import Redemption, RedemptionFeedback, RedemptionStatus
from .followups import survey_settings_get
from .models import (
    BenefitSurveyRate,
    InvitationStatus,
    OutboxMessage,
    PushChannel,
    SurveyInvitation,
    SurveySettings,
    SurveyThrottle,
)
from .pushes import CUSTOMER_LANGUAGE

# A use whose transaction started before the last sweep read and committed after it carries
# a time before the watermark: look back this far behind it (already decided uses are
# skipped by their unique row, so the overlap costs one index probe each).
SWEEP_OVERLAP = timedelta(minutes=30)
# The first sweep ever (no watermark yet) asks about the uses of the last day, not of all time.
FIRST_LOOKBACK = timedelta(days=1)
# Uses read and decided per batch (keyset on time and id: memory stays flat after an outage).
BATCH = 500
# Fulfilment states that mean the service was delivered (a no-show was not).
DELIVERED = (FulfilmentState.FULFILLED, FulfilmentState.REDEEMED)
# The signing salt of survey tokens: a token is good for nothing else we sign.
TOKEN_SALT = "bookshelf.reach.survey-invitation"  # noqa: S105 (a salt, not a secret)
SURVEY_QUESTION = gettext_lazy("How likely are you to recommend %(benefit)s to family and friends?")


@dataclass
class InviteReport:
    """What one sweep decided: invitations sent, uses not sampled, uses whose customer was
    asked recently. Decisions another sweep made at the same moment are not counted."""

    since: datetime
    until: datetime
    sent: int = 0
    not_sampled: int = 0
    throttled: int = 0

    @property
    def decided(self) -> int:
        return self.sent + self.not_sampled + self.throttled


@dataclass(frozen=True)
class FulfilledUse:
    redemption_id: int
    customer_id: int
    customer_no: str
    benefit_id: int
    used_at: datetime


def invitation_sampled(*, redemption_id: int, rate: float) -> bool:
    """Whether this use is asked about at `rate`: a keyed hash of its id, read as a number in
    [0, 1), so a sweep run again (or a test with a fixed seed) rolls the same."""
    if rate <= 0:
        return False
    key = str(settings.BOOKSHELF_SURVEY_SAMPLE_SEED).encode()
    digest = hmac.new(key, str(redemption_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def survey_token(invitation: SurveyInvitation) -> str:
    """The credential in the invitation's link: its id and nonce, signed."""
    return signing.Signer(salt=TOKEN_SALT).sign(f"{invitation.pk}.{invitation.nonce}")


def survey_token_read(token: str) -> tuple[int, str] | None:
    """The invitation id and nonce a token carries, or None if it is not one we signed."""
    if not token or len(token) > 200:
        return None
    try:
        value = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk_text, _dot, nonce = value.partition(".")
    if not pk_text.isdigit() or not nonce:
        return None
    return int(pk_text), nonce


def survey_invitations_sweep(*, now: datetime | None = None) -> InviteReport:
    """Decide every use fulfilled since the watermark (see the module's docstring)."""
    now = now or timezone.now()
    config = survey_settings_get()
    watermark = config.invitations_swept_to
    since = watermark - SWEEP_OVERLAP if watermark is not None else now - FIRST_LOOKBACK
    report = InviteReport(since=since, until=now)
    rates: dict[int, float] | None = None  # read once, if there is anything to decide
    for uses in (_instant_uses(since, now), _held_uses(since, now)):
        for batch in uses:
            if rates is None:
                rates = dict(BenefitSurveyRate.objects.values_list("benefit_id", "sample_rate"))
            _decide(batch, config=config, rates=rates, now=now, report=report)
    # Forward only: a sweep given an earlier `now` (a test, a manual run) never moves it back.
    SurveySettings.objects.filter(pk=config.pk).filter(
        Q(invitations_swept_to__isnull=True) | Q(invitations_swept_to__lt=now)
    ).update(invitations_swept_to=now)
    return report


def _undecided(rows: QuerySet[Any], redemption: str) -> QuerySet[Any]:
    """Not decided yet, not rated, not an erased customer's."""
    return rows.filter(
        ~Exists(SurveyInvitation.objects.filter(redemption_id=OuterRef(redemption))),
        ~Exists(RedemptionFeedback.objects.filter(redemption_id=OuterRef(redemption))),
        beneficiary__erased_at__isnull=True,
    )


def _instant_uses(since: datetime, until: datetime) -> Iterator[list[FulfilledUse]]:
    rows = _undecided(
        Redemption.objects.filter(
            status=RedemptionStatus.COMPLETED, created_at__gte=since, created_at__lt=until
        ).filter(~Exists(Fulfilment.objects.filter(redemption_id=OuterRef("pk")))),
        "pk",
    )
    return _keyset(rows, time="created_at", key="id", use="id")


def _held_uses(since: datetime, until: datetime) -> Iterator[list[FulfilledUse]]:
    rows = _undecided(
        Fulfilment.objects.filter(
            state__in=DELIVERED, updated_at__gte=since, updated_at__lt=until
        ).filter(
            Exists(
                Redemption.objects.filter(
                    pk=OuterRef("redemption_id"),
                    # The partition key too: the probe touches one month's partition.
                    created_at=OuterRef("redemption_created_at"),
                    status=RedemptionStatus.COMPLETED,
                )
            )
        ),
        "redemption_id",
    )
    return _keyset(rows, time="updated_at", key="id", use="redemption_id")


def _keyset(rows: QuerySet[Any], *, time: str, key: str, use: str) -> Iterator[list[FulfilledUse]]:
    """Batches of fulfilled uses in time order, by keyset on (time, key)."""
    fields = (time, key, use, "beneficiary_id", "beneficiary__customer_no", "benefit_id")
    after: tuple[datetime, int] | None = None
    while True:
        page = rows
        if after is not None:
            page = page.filter(
                Q(**{f"{time}__gt": after[0]}) | Q(**{time: after[0], f"{key}__gt": after[1]})
            )
        found = list(page.order_by(time, key).values_list(*fields)[:BATCH])
        if not found:
            return
        yield [
            FulfilledUse(
                redemption_id=rid, customer_id=cid, customer_no=no, benefit_id=bid, used_at=at
            )
            for at, _key, rid, cid, no, bid in found
        ]
        if len(found) < BATCH:
            return
        after = (found[-1][0], found[-1][1])


def _decide(
    uses: list[FulfilledUse],
    *,
    config: SurveySettings,
    rates: dict[int, float],
    now: datetime,
    report: InviteReport,
) -> None:
    skipped: list[SurveyInvitation] = []
    benefits = Benefit.objects.in_bulk({use.benefit_id for use in uses})
    for use in uses:
        rate = rates.get(use.benefit_id, config.sample_rate)
        if not invitation_sampled(redemption_id=use.redemption_id, rate=rate):
            skipped.append(_row(use, InvitationStatus.NOT_SAMPLED, now))
            continue
        status = _invite(use, benefit=benefits[use.benefit_id], config=config, now=now)
        if status == InvitationStatus.SENT:
            report.sent += 1
        elif status == InvitationStatus.THROTTLED:
            report.throttled += 1
    # One statement for the batch; a row another sweep wrote meanwhile is left as it is.
    SurveyInvitation.objects.bulk_create(skipped, ignore_conflicts=True)
    report.not_sampled += len(skipped)


def _row(use: FulfilledUse, status: str, now: datetime) -> SurveyInvitation:
    return SurveyInvitation(
        redemption_id=use.redemption_id,
        customer_id=use.customer_id,
        benefit_id=use.benefit_id,
        status=status,
        created_at=now,
        used_at=use.used_at,
    )


def survey_throttle_claim(*, customer_id: int, now: datetime, days: int) -> bool:
    """Take the customer's one invitation of the period: True if no invitation was sent to
    them in the last `days` days (and now one is). Call inside the transaction that sends it:
    a rollback gives it back. Of two transactions claiming at once, one wins: the UPDATE waits
    for the other's row and re-reads it; the INSERT waits for the other's key."""
    moved = SurveyThrottle.objects.filter(
        customer_id=customer_id, invited_at__lt=now - timedelta(days=days)
    ).update(invited_at=now)
    if moved:
        return True
    try:
        with transaction.atomic():
            SurveyThrottle.objects.create(customer_id=customer_id, invited_at=now)
    except IntegrityError:
        return False
    return True


def _invite(
    use: FulfilledUse, *, benefit: Benefit, config: SurveySettings, now: datetime
) -> str | None:
    """Invite (or record the customer as asked recently), in one transaction; None when
    another sweep decided this use first (its row wins, this one's claim is rolled back)."""
    try:
        with transaction.atomic():
            if not survey_throttle_claim(
                customer_id=use.customer_id, now=now, days=config.throttle_days
            ):
                _row(use, InvitationStatus.THROTTLED, now).save(force_insert=True)
                return InvitationStatus.THROTTLED
            invitation = _row(use, InvitationStatus.SENT, now)
            invitation.nonce = secrets.token_urlsafe(12)
            invitation.expires_at = now + timedelta(days=config.valid_days)
            invitation.save(force_insert=True)
            message = OutboxMessage.objects.create(
                channel=PushChannel.APP_MESSAGE,
                recipient=use.customer_no,
                body=invitation_message_body(benefit=benefit, token=survey_token(invitation)),
                created_at=now,
            )
            SurveyInvitation.objects.filter(pk=invitation.pk).update(outbox=message)
            jobs.enqueue_on_commit(jobs.PUSH_DELIVER, message.pk)
    except IntegrityError:
        return None
    return InvitationStatus.SENT


def survey_link(token: str) -> str:
    return str(settings.BOOKSHELF_SURVEY_URL).format(token=token)


def invitation_message_body(*, benefit: Benefit, token: str) -> str:
    """The invitation as the customer reads it: in their language (Chinese)."""
    with translation.override(CUSTOMER_LANGUAGE):
        question = str(SURVEY_QUESTION) % {"benefit": benefit.display_name}
        return _("Thank you for using %(benefit)s. %(question)s Answer in one tap: %(link)s") % {
            "benefit": benefit.display_name,
            "question": question,
            "link": survey_link(token),
        }
