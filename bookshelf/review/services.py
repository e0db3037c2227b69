"""Writes of the living shelf: review runs and their chunks, proposals and product staff's
answers, demand signals, a review asked for now. One service for the command, the scheduled
tasks and the admin."""

from __future__ import annotations

from .demand import demand_signal_create
from .demand_groups import (
    RegroupReport,
    demand_group_split,
    demand_groups_merge,
    demand_regroup,
    demand_synonyms_seed,
)
from .findings import REVIEW_WORK_MEM, review_chunk_compute
from .proposals import proposal_approve, proposal_decline, proposals_auto_retire
from .runs import (
    ReviewReport,
    review_chunks,
    review_run,
    review_run_fail,
    review_run_finish,
    review_run_open,
)
from .schedule import review_run_request

__all__ = [
    "REVIEW_WORK_MEM",
    "RegroupReport",
    "ReviewReport",
    "demand_group_split",
    "demand_groups_merge",
    "demand_regroup",
    "demand_signal_create",
    "demand_synonyms_seed",
    "proposal_approve",
    "proposal_decline",
    "proposals_auto_retire",
    "review_chunk_compute",
    "review_chunks",
    "review_run",
    "review_run_fail",
    "review_run_finish",
    "review_run_open",
    "review_run_request",
]
