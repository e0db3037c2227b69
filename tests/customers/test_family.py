"""Family links: kept in both directions with the inverse relation, never duplicated."""

import pytest

from config.exceptions import Conflict
from customers.models import FamilyLink, Relation
from customers.services import family_link_create, family_link_delete
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _links():
    return set(FamilyLink.objects.values_list("customer_id", "relative_id", "relation"))


@pytest.mark.parametrize(
    ("relation", "inverse"),
    [
        (Relation.SPOUSE, Relation.SPOUSE),
        (Relation.CHILD, Relation.PARENT),
        (Relation.PARENT, Relation.CHILD),
    ],
)
def test_a_link_is_created_in_both_directions_with_the_inverse_relation(relation, inverse):
    holder, relative = make_customer(), make_customer()
    link = family_link_create(customer=holder, relative=relative, relation=relation)
    assert (link.customer, link.relative, link.relation) == (holder, relative, relation)
    assert _links() == {(holder.pk, relative.pk, relation), (relative.pk, holder.pk, inverse)}


def test_the_same_link_twice_is_refused_and_nothing_is_added():
    holder, relative = make_customer(), make_customer()
    family_link_create(customer=holder, relative=relative, relation="child")
    before = _links()
    with pytest.raises(Conflict) as err:
        family_link_create(customer=holder, relative=relative, relation="spouse")
    assert err.value.code == "family_link_exists"
    assert err.value.status == 409
    assert _links() == before


def test_the_reverse_link_is_also_a_duplicate():
    holder, relative = make_customer(), make_customer()
    family_link_create(customer=holder, relative=relative, relation="child")
    with pytest.raises(Conflict) as err:
        family_link_create(customer=relative, relative=holder, relation="parent")
    assert err.value.code == "family_link_exists"
    assert FamilyLink.objects.count() == 2


def test_a_household_of_several_members():
    holder = make_customer()
    spouse, child, parent = make_customer(), make_customer(age=10), make_customer(age=70)
    family_link_create(customer=holder, relative=spouse, relation="spouse")
    family_link_create(customer=holder, relative=child, relation="child")
    family_link_create(customer=holder, relative=parent, relation="parent")
    assert FamilyLink.objects.filter(customer=holder).count() == 3
    assert FamilyLink.objects.get(customer=child, relative=holder).relation == "parent"
    assert FamilyLink.objects.get(customer=parent, relative=holder).relation == "child"
    # Unlinking removes both directions, and leaves the rest of the household alone.
    assert family_link_delete(customer=holder, relative=child) == 2
    assert FamilyLink.objects.filter(customer=holder).count() == 2
    assert not FamilyLink.objects.filter(customer=child).exists()
