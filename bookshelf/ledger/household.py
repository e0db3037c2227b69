"""The customer's household as the shelf sees it: the customer, their family, and what the
household's in-force policies open (product lines) and anchor (policy years)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from config.db_batch import Key, Read, fetch_batch
from customers.models import Customer, PolicyStatus

# What the shelf reads of a relative (their tier, age and number): never their encrypted phone
# or ID number, which would cost a decryption each and are not the shelf's business. Any other
# field loads on access (a deferred field).
RELATIVE_FIELDS = ("id", "customer_no", "name", "birth_date", "gender", "tier", "erased_at")
# `{who}` is the customer's id (a `config.db_batch.Key`: a parameter or a subquery).
_RELATIVES_SQL = (
    f"SELECT {', '.join('c.' + f for f in RELATIVE_FIELDS)}, f.relation "  # noqa: S608
    "FROM customers_familylink f JOIN customers_customer c ON c.id = f.relative_id "
    "WHERE f.customer_id = {who} ORDER BY c.customer_no"
)
# The customer and the relatives linked to them, as a subquery (the key twice).
HOUSEHOLD_IDS_SQL = (
    "SELECT {who} UNION ALL SELECT relative_id FROM customers_familylink WHERE customer_id = {who}"
)
_POLICIES_SQL = (
    "SELECT customer_id, product_line, start_date FROM customers_policy "  # noqa: S608
    f"WHERE customer_id IN ({HOUSEHOLD_IDS_SQL}) AND status = %s"
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


def household_statements(who: Key) -> list[Read]:
    """The household's two reads, independent of each other (one statement together): the
    family links with each relative's shelf fields, the household's in-force policies."""
    relatives = _RELATIVES_SQL.format(who=who.sql)
    policies = _POLICIES_SQL.format(who=who.sql)
    return [
        Read(relatives, who.at(1), len(RELATIVE_FIELDS) + 1, dates=(3,), moments=(6,)),
        Read(policies, [*who.at(2), PolicyStatus.IN_FORCE.value], 3, dates=(2,)),
    ]


def household_from_rows(
    customer: Customer, relatives: list[list[Any]], policies: list[list[Any]]
) -> Household:
    """The household from the rows of `household_statements`."""
    alias = connection.alias
    found = [(Customer.from_db(alias, RELATIVE_FIELDS, row[:-1]), row[-1]) for row in relatives]
    lines, anchors = policy_facts(policies)
    return Household(customer=customer, relatives=found, product_lines=lines, anchors=anchors)


def household_load(*, customer: Customer) -> Household:
    """Family links and the household's in-force policies: one statement."""
    relatives, policies = fetch_batch(household_statements(Key.of(customer.pk)))
    return household_from_rows(customer, relatives, policies)


def policy_facts(
    policies: Iterable[Sequence[Any]],
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
