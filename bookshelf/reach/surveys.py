"""A survey invitation answered through its token (the app or the H5 page, no login).

The token is the credential: it names the invitation and proves we issued it
(`invitations.survey_token_read`); an unknown or tampered one is a 404
(`survey_token_invalid`), an unanswered one past `expires_at` a 410 (`survey_expired`).

Answering is single use: one conditional UPDATE on `status='sent'` claims the invitation,
then the answer is recorded by `feedback_record` (which opens a detractor's follow-up and its
webhook) and linked, in the same transaction. Of two posts at once, the second waits for the
first's row and finds it answered: the same answer again is a replay (nothing recorded twice),
another answer a 409 (`survey_already_answered`). A use already rated through the app is the
ledger's 409 (`feedback_exists`), and the invitation stays unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError, NotFound

from ..ledger.models import Redemption, RedemptionFeedback
from .error_codes import ReachErrorCode
from .followups import feedback_record
from .invitations import SURVEY_QUESTION, survey_token_read
from .models import InvitationStatus, SurveyInvitation


@dataclass(frozen=True)
class SurveyPage:
    """What the survey page shows: the benefit and the day of the use, the question, and the
    answer if there is one. Never who the customer is."""

    invitation: SurveyInvitation
    used_on: date | None
    question: str
    answer: RedemptionFeedback | None

    @property
    def answered(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class SurveyAnswer:
    invitation: SurveyInvitation
    feedback: RedemptionFeedback
    # The same answer posted again: nothing was recorded this time.
    replayed: bool


def _token_invalid() -> NotFound:
    return NotFound(
        ReachErrorCode.SURVEY_TOKEN_INVALID,
        _("This survey link is not valid. Open it again from the message you were sent."),
    )


def survey_invitation_for_token(*, token: str) -> SurveyInvitation:
    """The invitation a token was issued for (404 `survey_token_invalid` otherwise)."""
    read = survey_token_read(token)
    if read is None:
        raise _token_invalid()
    pk, nonce = read
    invitation = (
        SurveyInvitation.objects.select_related("benefit", "feedback").filter(pk=pk).first()
    )
    if (
        invitation is None
        or not invitation.nonce
        or not constant_time_compare(invitation.nonce, nonce)
    ):
        raise _token_invalid()
    return invitation


def _expired_error(invitation: SurveyInvitation) -> DomainError:
    until = timezone.localdate(invitation.expires_at) if invitation.expires_at else None
    return DomainError(
        ReachErrorCode.SURVEY_EXPIRED,
        _("This survey has closed: it could be answered until %(day)s.")
        % {"day": until.isoformat() if until else "-"},
        status_code=410,
    )


def _is_open(invitation: SurveyInvitation, now: datetime) -> bool:
    return invitation.expires_at is not None and invitation.expires_at > now


def survey_page(*, token: str, now: datetime | None = None) -> SurveyPage:
    """The survey behind a token, to show: answered or still open (410 once closed
    unanswered)."""
    now = now or timezone.now()
    invitation = survey_invitation_for_token(token=token)
    answer = invitation.feedback if invitation.status == InvitationStatus.ANSWERED else None
    if answer is None and not _is_open(invitation, now):
        raise _expired_error(invitation)
    return survey_page_of(invitation=invitation, answer=answer)


def survey_page_of(
    *, invitation: SurveyInvitation, answer: RedemptionFeedback | None
) -> SurveyPage:
    used_on = timezone.localdate(invitation.used_at) if invitation.used_at else None
    return SurveyPage(
        invitation=invitation,
        used_on=used_on,
        question=str(SURVEY_QUESTION) % {"benefit": invitation.benefit.display_name},
        answer=answer,
    )


def survey_answer(
    *, token: str, score: int, comment: str = "", now: datetime | None = None
) -> SurveyAnswer:
    """Record the customer's answer to their invitation, once (see the module's docstring)."""
    now = now or timezone.now()
    invitation = survey_invitation_for_token(token=token)
    with transaction.atomic():
        claimed = SurveyInvitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.SENT, expires_at__gt=now
        ).update(status=InvitationStatus.ANSWERED, answered_at=now)
        if not claimed:
            return _answered_before(invitation.pk, score=score, comment=comment)
        redemption = Redemption.objects.get(pk=invitation.redemption_id)
        result = feedback_record(
            redemption=redemption, score=score, comment=comment, created_at=now
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(feedback=result.feedback)
    invitation.status = InvitationStatus.ANSWERED
    invitation.answered_at = now
    invitation.feedback = result.feedback
    return SurveyAnswer(invitation=invitation, feedback=result.feedback, replayed=False)


def _answered_before(pk: int, *, score: int, comment: str) -> SurveyAnswer:
    """The invitation was not open: read it again (a statement after the claim's UPDATE, so
    it sees what a racing post committed) and say why."""
    invitation = SurveyInvitation.objects.select_related("benefit", "feedback").get(pk=pk)
    feedback = invitation.feedback
    if invitation.status == InvitationStatus.ANSWERED and feedback is not None:
        if feedback.score == score and feedback.comment == (comment or "").strip():
            return SurveyAnswer(invitation=invitation, feedback=feedback, replayed=True)
        raise Conflict(
            ReachErrorCode.SURVEY_ANSWERED,
            _("This survey was already answered (%(score)s out of 10): it takes one answer.")
            % {"score": feedback.score},
            extra={"answer": {"score": feedback.score, "comment": feedback.comment}},
        )
    if invitation.status == InvitationStatus.SENT:
        raise _expired_error(invitation)
    raise _token_invalid()
