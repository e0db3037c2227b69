"""`eligibility_key` is exact: two customers with the same key get the same answer from
`eligibility_problem` for every view the rules were taken from, and the key is coarse
enough that most customers share one (the benefit centre keeps its own-tier plan by it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product

from bookshelf.shelf.eligibility import eligibility_key, eligibility_problem, eligibility_rules
from bookshelf.shelf.selectors import CellView
from customers.models import Customer, ProductLine

TODAY = date(2026, 12, 4)
BASE = CellView(
    tier=20, benefit_id=1, code="MED.01.001", name_en="", name_zh_hans="", category_code="MED.01",
    category_name_en="", category_name_zh_hans="", top_code="MED", how_to_use_en="",
    how_to_use_zh_hans="", unit_en="", unit_zh_hans="", status="on_shelf", shareable=False,
    price=None, period="calendar_year", quota=2, family_quota=0,
)  # fmt: skip
VIEWS = [
    BASE,
    replace(BASE, benefit_id=2, min_age=18),
    replace(BASE, benefit_id=3, max_age=60),
    replace(BASE, benefit_id=4, min_age=30, max_age=45),
    replace(BASE, benefit_id=5, requires_product_line=ProductLine.MEDICAL),
    replace(BASE, benefit_id=6, requires_product_line=ProductLine.ANNUITY, min_age=50),
]
LINE_SETS = [set(), {ProductLine.MEDICAL}, {ProductLine.ANNUITY}, {ProductLine.PROPERTY},
             {ProductLine.MEDICAL, ProductLine.ANNUITY}]  # fmt: skip


def _outcomes(lines: set[str], customer: Customer) -> tuple[bool, ...]:
    return tuple(
        eligibility_problem(v, holder_lines=lines, beneficiary=customer, today=TODAY) is None
        for v in VIEWS
    )


def test_the_same_key_means_the_same_answers_and_few_keys_cover_everyone():
    rules = eligibility_rules(VIEWS)
    answers: dict[tuple, tuple[bool, ...]] = {}
    for age, lines in product(range(0, 101), LINE_SETS):
        customer = Customer(birth_date=date(TODAY.year - age, 1, 1))
        key = eligibility_key(rules, lines, customer, TODAY)
        outcome = _outcomes(lines, customer)
        assert answers.setdefault(key, outcome) == outcome, (age, lines)
    # The bounds 18, 30, 46, 50, 61 make six age bands; the lines that matter, four sets.
    assert len(answers) <= 6 * 4
    assert len(set(answers.values())) > 1  # the rules do tell customers apart
