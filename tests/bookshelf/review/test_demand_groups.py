"""Demand heard in Chinese: normalisation, grouping by wish, pull proposals per group,
discoverability findings, staff merges and splits, the regrouping command, and the golden
set's precision and recall."""

from __future__ import annotations

import csv
import importlib
import itertools
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookshelf.models import (
    DemandGroup,
    DemandSignal,
    DemandSynonym,
    DiscoverabilityFinding,
    Proposal,
    ProposalKind,
)
from bookshelf.review import demand_text as dt
from bookshelf.review.demand_groups import (
    demand_asked_held,
    demand_group_split,
    demand_groups_merge,
    demand_regroup,
    demand_synonyms_seed,
)
from bookshelf.review.services import demand_signal_create, review_run
from customers.models import Tier
from tests.factories import category, make_benefit, make_customer

GOLDEN = Path(__file__).with_name("demand_golden.csv")
# Floors a little under the measured values (precision 1.000, recall 0.860 at threshold 0.6
# with the starter synonyms of 0029 + 0031; 0.847 with 0029's alone: see the README's demand
# section).
PRECISION_FLOOR = 0.97
RECALL_FLOOR = 0.845


@pytest.fixture
def synonyms(db):
    """The migration's starter synonyms (a transactional test's flush removes them)."""
    demand_synonyms_seed()


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Check-ups", "checkup"),
        ("check up", "checkup"),
        ("dental cleaning", "cleaning, dental"),
        ("寵物醫療", "宠物医疗"),
        ("我想要宠物医疗服务", "宠物医疗"),
        ("想要ｐｅｔ医疗", "宠物医疗"),
        ("ＥＶ ｃｈａｒｇｉｎｇ", "ev charging"),
        ("能不能提供一下陪同就医", "陪诊"),
    ],
)
def test_variant_wordings_have_the_same_words(a, b):
    synonyms = dt.Synonyms.build(dt.STARTER_SYNONYMS)
    assert dt.words(a, synonyms) == dt.words(b, synonyms)


def test_the_old_key_split_chinese_wishes_and_the_new_words_do_not():
    texts = ["宠物医疗", "宠物看病", "我想要宠物医疗服务", "寵物醫療"]
    synonyms = dt.Synonyms.build(dt.STARTER_SYNONYMS)
    assert len({dt.words(t, synonyms) for t in texts}) == 1
    assert len({t.casefold() for t in texts}) == 4  # what the old space-split key saw


# --- grouping on create ------------------------------------------------------------------


def test_variant_phrasings_in_both_scripts_join_one_group(synonyms):
    texts = ["宠物医疗", "宠物看病", "我想要宠物医疗服务", "寵物醫療", "想要pet医疗", "vet please"]
    signals = [demand_signal_create(text=t) for t in texts]
    assert len({s.group_id for s in signals}) == 1
    other = demand_signal_create(text="宠物美容")
    assert other.group_id != signals[0].group_id


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("月子护理服务", "Postpartum confinement care (yuezi)"),
        ("家电清洗", "Home appliance cleaning"),
        ("中医理疗", "Traditional Chinese medicine physiotherapy"),
        ("洗牙及口腔检查", "Dental cleaning and check"),
        ("新能源汽车充电优惠", "EV charging discount"),
        ("宠物医生视频问诊", "Pet vet video consultation"),
    ],
)
def test_english_and_chinese_requests_for_one_wish_join_one_group(synonyms, zh, en):
    """L1: the demo's wishes, asked in either language, are one group (and one pull)."""
    first = demand_signal_create(text=zh)
    assert demand_signal_create(text=en).group_id == first.group_id
    assert demand_signal_create(text=zh).group_id == first.group_id


def test_cross_language_words_for_the_benefit_vocabulary():
    synonyms = dt.Synonyms.build(dt.STARTER_SYNONYMS)
    same = [
        ("second opinion", "第二诊疗意见"),
        ("airport lounge", "机场贵宾厅"),
        ("physiotherapy", "理疗"),
        ("tcm", "中医"),
        ("home appliance cleaning", "家用电器清洁"),
        ("house cleaning", "家庭保洁"),
        ("dental check", "口腔检查"),
    ]
    for a, b in same:
        assert dt.words(a, synonyms) == dt.words(b, synonyms), (a, b)
    # A canonical word is never cut by the segmenter nor eaten by a shorter term.
    assert dt.words("月子护理服务", synonyms) == ("月子",)
    assert dt.words("心理咨询", synonyms) == ("心理咨询",)
    assert dt.words("家电清洗", synonyms) != dt.words("家庭保洁", synonyms)


def test_migration_0031_adds_the_new_synonyms_and_keeps_staff_edits(db):
    from django.apps import apps

    from bookshelf.review.demand_text import SYNONYMS_0031

    migration = importlib.import_module("bookshelf.migrations.0031_demand_synonyms_cross_language")
    DemandSynonym.objects.all().delete()
    DemandSynonym.objects.bulk_create(
        [
            DemandSynonym(term="yuezi", canonical="坐月子"),  # staff's own meaning: kept
            DemandSynonym(term="home care", canonical="居家养老"),  # as 0029 seeded it
            DemandSynonym(term="看病", canonical="看医生"),  # a staff edit of a 0029 row
        ]
    )
    migration.synonyms_add(apps, None)
    table = dict(DemandSynonym.objects.values_list("term", "canonical"))
    assert table["yuezi"] == "坐月子"
    assert table["看病"] == "看医生"
    assert table["home care"] == "居家 养老"
    assert table["postpartum"] == "月子"
    assert len(table) == len({t for t, _c in SYNONYMS_0031} | {"home care", "看病"})
    DemandSynonym.objects.filter(term="home care").update(canonical="居家护理")  # staff's
    migration.synonyms_add(apps, None)
    assert DemandSynonym.objects.get(term="home care").canonical == "居家护理"


def test_an_edited_synonym_takes_effect_for_the_next_request_at_once(synonyms):
    first = demand_signal_create(text="毛毛看病")
    assert first.group_id != demand_signal_create(text="宠物医疗").group_id
    DemandSynonym.objects.create(term="毛毛", canonical="宠物")
    assert demand_signal_create(text="毛毛看病").group_id == (
        demand_signal_create(text="宠物医疗").group_id
    )


def test_creating_a_signal_costs_a_fixed_number_of_queries(
    synonyms, django_assert_num_queries, django_db_blocker
):
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(cells={Tier.GOLD: 2}, name="Standard health check-up")
    make_benefit(cells={Tier.GOLD: 2}, name="Gym pass")
    demand_signal_create(text="宠物医疗", customer=customer)  # the group exists
    # Known wish: FK check, synonyms, groups alike, tier's shelf, savepoint, insert, release.
    with django_assert_num_queries(7):
        demand_signal_create(text="寵物看病", customer=customer)
    # New wish: plus the lock (PostgreSQL's advisory lock; SQLite writes one at a time), the
    # second lookup, the group and its terms (and their savepoint).
    with django_assert_num_queries(13 if connection.vendor == "postgresql" else 12):
        demand_signal_create(text="瑜伽课", customer=customer)


# --- the review ----------------------------------------------------------------------------


def test_variant_chinese_phrasings_become_one_pull_proposal(shelf, synonyms):
    lif = category("LIF")
    texts = ["宠物医疗", "宠物看病", "我想要宠物医疗服务", "寵物醫療", "寵物看診", "宠物医疗"]
    for text in texts:
        demand_signal_create(text=text, category=lif, customer=make_customer(tier=Tier.GOLD))
    demand_signal_create(text="宠物医疗", category=lif)  # an agent's, no customer
    demand_signal_create(text="宠物美容", category=lif, customer=make_customer())

    run = review_run(window_end=_tomorrow(), window_days=90).run
    pulls = list(Proposal.objects.filter(run=run, kind=ProposalKind.PULL))
    assert len(pulls) == 1
    pull = pulls[0]
    assert (pull.requests, pull.customers) == (7, 6)
    assert pull.title == "宠物医疗"  # the most frequent wording
    assert pull.key == f"group:{DemandGroup.objects.get(signals__text='寵物醫療').pk}"
    assert pull.category == lif
    assert pull.tiers == {str(Tier.GOLD): 6, "none": 1}


def test_a_request_for_what_the_tier_holds_is_a_discoverability_finding_not_a_pull(shelf, synonyms):
    checkup = make_benefit(cells={Tier.GOLD: 1}, name="Standard health check-up")
    checkup.name_zh_hans = "标准体检"
    checkup.save(update_fields=["name_zh_hans"])
    for text in ("体检", "體檢", "我想要体检", "health checkup please"):
        signal = demand_signal_create(text=text, customer=make_customer(tier=Tier.GOLD))
        assert signal.held_benefit == checkup
    # The ordinary tier does not hold it: these are pulls, but too few for a proposal.
    for _ in range(2):
        ordinary = demand_signal_create(text="体检", customer=make_customer(tier=Tier.ORDINARY))
        assert ordinary.held_benefit is None

    run = review_run(window_end=_tomorrow(), window_days=90).run
    assert not Proposal.objects.filter(run=run, kind=ProposalKind.PULL).exists()
    finding = DiscoverabilityFinding.objects.get(run=run)
    assert finding.benefit == checkup
    assert (finding.requests, finding.customers) == (4, 4)
    assert finding.wording in {"体检", "體檢", "我想要体检", "health checkup please"}
    assert finding.tiers == {str(Tier.GOLD): 4}


def _named(name_en, name_zh, **kwargs):
    benefit = make_benefit(name=name_en, **kwargs)
    benefit.name_zh_hans = name_zh
    benefit.save(update_fields=["name_zh_hans"])
    return benefit


def test_held_benefit_needs_the_request_qualifiers_too(synonyms):
    """L2: a vet is not the customer's own online doctor; cleaning appliances is not cleaning
    the house."""
    _named("Online private doctor consultation", "在线私人医生问诊", cells={Tier.GOLD: 2})
    _named("Online consultation", "在线问诊", cells={Tier.GOLD: 2})  # 2 of 3 words alike
    _named("Home cleaning", "家庭保洁", cells={Tier.GOLD: 2}, category_code="LIF")
    customer = make_customer(tier=Tier.GOLD)
    asked = (
        "宠物医生视频问诊",
        "Pet vet video consultation",
        "宠物视频问诊",
        "家电清洗",
        "Home appliance cleaning",
    )
    for text in asked:
        assert demand_signal_create(text=text, customer=customer).held_benefit is None, text
    assert demand_signal_create(text="在线问诊", customer=customer).held_benefit is not None
    assert demand_signal_create(text="家政保洁", customer=customer).held_benefit is not None


def test_held_benefit_prefers_the_closest_name_the_customer_may_use_by_age(synonyms):
    standard = _named("Standard health check-up", "标准体检", cells={Tier.GOLD: 1})
    elder = _named("Senior health check-up", "长者体检", cells={Tier.GOLD: 1}, min_age=60)
    elder.code, standard.code = "ELD.03.001", "HLT.01.001"  # the elder's code sorts first
    elder.save(update_fields=["code"])
    standard.save(update_fields=["code"])
    young, old = make_customer(tier=Tier.GOLD, age=35), make_customer(tier=Tier.GOLD, age=70)
    for text in ("体检", "我想做一下体检", "能不能安排一下体检", "health check-up"):
        assert demand_signal_create(text=text, customer=young).held_benefit == standard, text
    assert demand_signal_create(text="长者体检", customer=old).held_benefit == elder
    assert demand_signal_create(text="老人体检", customer=old).held_benefit == elder
    assert dt.words("我想做一下体检", dt.Synonyms.build(dt.STARTER_SYNONYMS)) == ("体检",)


def test_the_desk_shows_one_asked_for_line_per_held_benefit(synonyms, django_assert_num_queries):
    """L2: the same customer asking twice for one benefit is one line (the latest request)."""
    checkup = _named("Standard health check-up", "标准体检", cells={Tier.GOLD: 1})
    gym = _named("Gym pass", "健身卡", cells={Tier.GOLD: 1}, category_code="SPT")
    customer = make_customer(tier=Tier.GOLD)
    now = timezone.now()
    for days, text in ((5, "体检"), (4, "健身"), (3, "我想做一下体检"), (2, "健身房"), (1, "體檢")):
        demand_signal_create(text=text, customer=customer, created_at=now - timedelta(days=days))
    with django_assert_num_queries(1):
        lines = demand_asked_held(customer=customer, now=now)
    assert [(a.held_benefit, a.text) for a in lines] == [(checkup, "體檢"), (gym, "健身房")]


def test_requests_written_in_bulk_without_a_group_are_grouped_by_the_review(shelf, synonyms):
    now = timezone.now()
    DemandSignal.objects.bulk_create(
        [DemandSignal(text=t, created_at=now) for t in ("洗牙", "洁牙", "潔牙", "teeth cleaning")]
    )
    run = review_run(window_end=_tomorrow(), window_days=90).run
    pull = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    assert pull.requests == 4
    assert DemandSignal.objects.filter(group__isnull=True).count() == 0


# --- staff: merge, split, regroup --------------------------------------------------------


def test_staff_merge_and_split_survive_a_regrouping(synonyms):
    a = [demand_signal_create(text=t) for t in ("按摩", "推拿")]
    b = [demand_signal_create(text=t) for t in ("针灸", "針灸")]
    assert a[0].group_id != b[0].group_id
    demand_groups_merge(into=a[0].group, others=[b[0].group])
    assert set(DemandSignal.objects.values_list("group_id", flat=True)) == {a[0].group_id}
    # New requests worded like the merged group's come to the merged group.
    assert demand_signal_create(text="扎针灸").group_id == a[0].group_id

    split = demand_group_split(signal_ids=[a[1].pk], label="推拿")
    assert split is not None
    report = demand_regroup()
    assert report.kept >= 4
    assert DemandSignal.objects.get(pk=a[1].pk).group_id == split.pk
    assert DemandSignal.objects.get(pk=b[0].pk).group_id == a[0].group_id


def test_the_regroup_command_applies_new_synonyms_to_old_requests(synonyms):
    old = demand_signal_create(text="毛毛看病")
    pets = demand_signal_create(text="宠物医疗")
    assert old.group_id != pets.group_id
    DemandSynonym.objects.create(term="毛毛", canonical="宠物")
    out = StringIO()
    call_command("demand_regroup", stdout=out, stderr=StringIO())
    old.refresh_from_db()
    pets.refresh_from_db()
    assert old.group_id == pets.group_id
    assert "regrouped" in out.getvalue()  # the summary line


# --- the golden set ----------------------------------------------------------------------


def _pairwise(groups: list[int | None], wishes: list[str]) -> tuple[float, float]:
    """Pairwise precision and recall over every pair of requests: a pair grouped together is
    a true positive when both carry the same wish label, a false positive otherwise; a pair
    with the same label grouped apart is a false negative."""
    tp = fp = fn = 0
    for (ga, wa), (gb, wb) in itertools.combinations(zip(groups, wishes, strict=True), 2):
        together = ga is not None and ga == gb
        if together and wa == wb:
            tp += 1
        elif together:
            fp += 1
        elif wa == wb:
            fn += 1
    return tp / (tp + fp), tp / (tp + fn)


def test_the_golden_set_is_grouped_with_pinned_precision_and_recall(synonyms):
    rows = list(csv.DictReader(GOLDEN.open(encoding="utf-8")))
    assert len(rows) >= 200
    assert len({r["wish"] for r in rows}) >= 30
    signals = [demand_signal_create(text=r["text"]) for r in rows]
    precision, recall = _pairwise([s.group_id for s in signals], [r["wish"] for r in rows])
    print(f"golden set: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR
    # The database path and the in-memory grouping agree.
    grouper = dt.Grouper(dt.Synonyms.build(dt.STARTER_SYNONYMS))
    memory: list[int | None] = [grouper.add(r["text"]) for r in rows]
    assert _pairwise(memory, [r["wish"] for r in rows]) == (precision, recall)


# --- concurrency -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_of_a_new_wish_at_once_make_one_group():
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests need PostgreSQL: run them with DATABASE_URL set")
    from tests.bookshelf.ledger.test_concurrency import _race

    demand_synonyms_seed()
    texts = iter(["宠物医疗", "寵物看病", "我想要宠物医疗服务", "猫狗看病"] * 3)

    def work() -> None:
        demand_signal_create(text=next(texts))

    outcomes = _race(work, threads=8)
    assert outcomes == {"ok": 8}
    assert DemandSignal.objects.count() == 8
    assert DemandGroup.objects.count() == 1
