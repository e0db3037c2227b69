"""Domain events of the customers app, sent by its services after the change is written.

Other apps (the bookshelf's webhooks) listen; customers knows nothing of them.
"""

from django.dispatch import Signal

# sender=Customer; kwargs: customer, from_tier, to_tier, reason, at
tier_changed = Signal()
# sender=Customer; kwargs: customer, to_tier, due (a date), reason
tier_downgrade_scheduled = Signal()
# sender=Customer; the nightly bulk job, once per batch. kwargs: changes, a list of
# (customer, TierChange); scheduled, a list of (customer, to_tier, due date).
tier_changes_recorded = Signal()
