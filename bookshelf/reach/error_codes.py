from enum import Enum


class ReachErrorCode(Enum):
    # Pushes: only a benefit the customer can use now may be pushed.
    PUSH_NOT_USABLE = "push_benefit_not_usable"
    INVALID = "invalid"
    # PIPL: no valid consent for the push's channel (marketing app messages, SMS).
    CONSENT_REQUIRED = "consent_required"
    # 409: the benefit was pushed to this customer a moment ago (any channel, any agent).
    DUPLICATE_PUSH = "duplicate_push"
    # 409: a follow-up already closed takes no more calls.
    FOLLOWUP_CLOSED = "followup_closed"
    # Survey invitations: an unknown, tampered or expired token (404 or 410), one already
    # answered with something else (409).
    SURVEY_TOKEN_INVALID = "survey_token_invalid"  # noqa: S105 (an error code)
    SURVEY_EXPIRED = "survey_expired"
    SURVEY_ANSWERED = "survey_already_answered"
    # 403: the agent endpoints (the worklist) are an agent's: a staff user who is no agent,
    # or an API client that is not an agent's own token.
    NOT_AN_AGENT = "not_an_agent"
    # 404: no such follow-up among the caller's (their own, their team's, escalated to them).
    FOLLOWUP_NOT_FOUND = "followup_not_found"
