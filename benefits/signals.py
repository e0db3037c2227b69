"""Domain events of the catalog, sent by its services; the bookshelf listens."""

from django.dispatch import Signal

# sender=Benefit; kwargs: benefit, from_status, to_status, reason
benefit_status_changed = Signal()
