from enum import Enum


class ReviewErrorCode(Enum):
    PROPOSAL_ALREADY_DECIDED = "proposal_already_decided"
    PROPOSAL_NOT_RETIREMENT = "proposal_not_retirement"
    INVALID_WINDOW = "invalid_review_window"
    INVALID = "invalid"
    REVIEW_IN_PROGRESS = "review_in_progress"
    REVIEW_WINDOW_DONE = "review_window_done"
    PULL_NEEDS_CATEGORY = "pull_needs_category"
