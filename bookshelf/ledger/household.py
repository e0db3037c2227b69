"""The customer's household as the shelf sees it: the customer, their family, and what the
household's in-force policies open (product lines) and anchor (policy years)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from customers.models import Customer, PolicyStatus

_CUSTOMER_COLUMNS = ", ".join(f"c.{f.column}" for f in Customer._meta.concrete_fields)
_RELATIVES_SQL = (
    f"SELECT {_CUSTOMER_COLUMNS}, f.relation AS family_relation "  # noqa: S608 - column names
    "FROM customers_familylink f JOIN customers_customer c ON c.id = f.relative_id "
    "WHERE f.customer_id = %s ORDER BY c.customer_no"
)
NO_LINES: frozenset[str] = frozenset()


@dataclass
class Household:
    """The customer, their family and what the household's policies say."""

    customer: Customer
    relatives: list[tuple[Customer, str]]
    product_lines: dict[int, set[str]]
    anchors: dict[int, date]

    @property
    def members(self) -> list[Customer]:
        return [self.customer, *(rel for rel, _relation in self.relatives)]

    def lines_of(self, customer_id: int) -> set[str] | frozenset[str]:
        """The product lines a member holds in force."""
        return self.product_lines.get(customer_id, NO_LINES)

    def relative(self, customer_no: str) -> Customer | None:
        return next((rel for rel, _r in self.relatives if rel.customer_no == customer_no), None)


def placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def household_load(*, customer: Customer) -> Household:
    """Family links and the household's in-force policies: two queries."""
    relatives = [
        (rel, rel.family_relation)  # type: ignore[attr-defined]
        for rel in Customer.objects.raw(_RELATIVES_SQL, [customer.pk])
    ]
    ids = [customer.pk, *(rel.pk for rel, _r in relatives)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, product_line, start_date FROM customers_policy "  # noqa: S608
            f"WHERE customer_id IN ({placeholders(ids)}) AND status = %s",
            [*ids, PolicyStatus.IN_FORCE.value],
        )
        policies = cursor.fetchall()
    lines, anchors = policy_facts(policies)
    return Household(customer=customer, relatives=relatives, product_lines=lines, anchors=anchors)


def policy_facts(
    policies: list[tuple[int, str, date]],
) -> tuple[dict[int, set[str]], dict[int, date]]:
    """From in-force policies (customer id, product line, start): each customer's product
    lines, and the anchor of their policy year (the earliest start)."""
    lines: dict[int, set[str]] = defaultdict(set)
    anchors: dict[int, date] = {}
    for cid, line, start in policies:
        lines[cid].add(line)
        if cid not in anchors or start < anchors[cid]:
            anchors[cid] = start
    return lines, anchors
