"""A benefit's code is its call number: category path plus a sequence, unique, stable, and never
reused, not after retirement and not after a draft is deleted."""

import pytest

from benefits.models import Benefit, BenefitStatus, BenefitStatusChange
from benefits.selectors import benefit_get, benefits_in_branch
from benefits.services import (
    benefit_create,
    benefit_reinstate,
    benefit_retire,
)
from config.exceptions import DomainError, NotFound
from tests.factories import category

pytestmark = pytest.mark.django_db


def _create(path=("MED", "01"), name="Benefit"):
    return benefit_create(category=category(*path), name=name)


def test_codes_follow_the_category_path_in_sequence():
    codes = [_create(name=f"B{i}").code for i in range(3)]
    assert codes == ["MED.01.001", "MED.01.002", "MED.01.003"]
    # Each category keeps its own sequence.
    assert _create(("MED", "02")).code == "MED.02.001"
    assert _create(("TRV", "01")).code == "TRV.01.001"
    assert _create().code == "MED.01.004"


def test_sequence_and_code_agree():
    benefit = _create()
    benefit.refresh_from_db()
    assert (benefit.sequence, benefit.code) == (1, "MED.01.001")
    assert benefit.category.last_benefit_seq == 1


def test_a_retired_benefit_keeps_its_code_and_the_number_is_never_reused():
    first, second = _create(name="Old escort"), _create(name="Gym")
    retired = benefit_retire(benefit=first, reason="Low usage")
    assert retired.code == "MED.01.001"
    assert retired.status == BenefitStatus.RETIRED
    assert retired.retired_reason == "Low usage" and retired.retired_at is not None
    assert benefit_get(code="MED.01.001").pk == first.pk  # still found by its code

    assert _create(name="New escort").code == "MED.01.003"
    assert second.code == "MED.01.002"

    # Reinstating brings the same code back to the shelf.
    back = benefit_reinstate(benefit=retired, reason="Customers asked")
    assert (back.code, back.status, back.retired_at) == ("MED.01.001", "on_shelf", None)
    moves = list(
        BenefitStatusChange.objects.filter(benefit=first)
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert moves == [("draft", "retired"), ("retired", "on_shelf")]


def test_retiring_needs_a_reason():
    benefit = _create()
    with pytest.raises(DomainError) as err:
        benefit_retire(benefit=benefit, reason="  ")
    assert (err.value.code, err.value.field) == ("retire_reason_required", "reason")
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.DRAFT


def test_a_deleted_draft_does_not_free_its_number():
    _create(name="Kept")
    draft = _create(name="Abandoned draft")
    assert draft.code == "MED.01.002"
    draft.delete()
    assert _create(name="Next").code == "MED.01.003"
    assert not Benefit.objects.filter(code="MED.01.002").exists()


def test_editing_a_benefit_never_changes_its_code():
    benefit = _create(name="Escort")
    benefit.name = "VIP hospital escort"
    benefit.full_clean()
    benefit.save()
    benefit.refresh_from_db()
    assert benefit.code == "MED.01.001"


def test_lookup_by_code_and_by_branch():
    a = _create(("MED", "01"))
    b = _create(("MED", "02"))
    c = _create(("TRV", "01"))
    assert set(benefits_in_branch(code_prefix="MED")) == {a, b}
    assert set(benefits_in_branch(code_prefix="med.02")) == {b}
    assert set(benefits_in_branch(code_prefix="TRV.01.001")) == {c}
    with pytest.raises(NotFound) as err:
        benefit_get(code="MED.09.999")
    assert err.value.code == "benefit_not_found"
