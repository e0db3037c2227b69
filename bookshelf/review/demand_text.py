"""What a request for a benefit says, normalised so that variant phrasings of one wish meet.

Pure Python, no Django: the grouping service, the regroup command, the migration that seeds
the synonyms and the golden-set test all use these same rules.

A request goes through, in this order:
1. Unicode NFKC (full-width letters and digits to half-width), case folding, traditional to
   simplified Chinese (OpenCC's t2s data, shipped with the `opencc` wheel).
2. English words lightly stemmed ("check-ups" = "check ups" -> "checkup", "cleaning" ->
   "clean", "services" -> "service"); a particle after a verb is joined ("check up").
3. The domain synonyms (the `DemandSynonym` table, edited by product staff) replace their
   terms by the canonical term, longest term first, in one pass.
4. Chinese words segmented with jieba (its own dictionary, loaded once, lazily); filler words
   in both languages dropped (我想要, 希望, 能不能, 服务, 一下, please, I'd like, service...).

The result is a set of words (`DemandTerms.words`); two requests are compared by the larger of
their word overlap (Jaccard) and their character-bigram overlap (Dice, which forgives typos
and segmentation differences). `SIMILARITY_THRESHOLD` was set from the golden set.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Two requests are one wish when their similarity reaches this (measured on the golden set
# tests/bookshelf/review/demand_golden.csv, see /work/notes/demand.md and the README).
SIMILARITY_THRESHOLD = 0.6
# What a word that is not a domain concept weighs against one that is (see `similarity`).
MODIFIER_WEIGHT = 0.5
# How many wordings a group keeps to compare new requests with (a merge adds the merged
# groups'; a joining request adds none, so a group does not drift).
MAX_VARIANTS = 12
# Longest term and canonical term the synonym table and the group index store.
TERM_MAX = 60


# Words that do not change what is asked for, after segmentation (simplified Chinese) and
# after stemming (English).
def _set(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


FILLERS_ZH = _set(
    "我 我们 咱 想 想要 要 希望 能 不能 能不能 能否 可以 可不可以 可否 请 请问 麻烦 服务 一下 "
    "有没有 有 没有 提供 的 吗 呢 啊 吧 呀 哦 了 给 帮 帮忙 帮我 需要 一个 个 些 一些 是否 谢谢 "
    "求 增加 开通 加 上 推出 什么 好 最好 你们 您 贵司 就 也 还 都 很 和 与 及 或 在 为 让 把 "
    "是 这个 那个 这种 类似 相关 项目 业务 权益 福利 多 更 再 来 安排 办理 申请 支持 一点 "
    "做 做个 搞 弄 及 以及"
)
FILLERS_EN = _set(
    "a an and the for of to please pls plz with in on at i i'd id im i'm like would want "
    "wanna need can could you me my we our some get have is are there any provide offer "
    "service help us it be do doe will more new also add it's your kind or visit see care "
    "support someone get once"
)
_PARTICLES = frozenset({"up", "in", "out", "off"})
# Canonical words that qualify a wish rather than name it (免费洗车 is still 洗车): they
# weigh as modifiers even when the synonym table maps words to them.
MODIFIERS = _set(
    "免费 优惠 券 课 会员 年度 预约 一次 每年 全身 管理 医院 住宿 老人 卡 年卡 专家 门诊 "
    "长者 中医 理疗 机场 高铁 居家"
)

# The synonym table's first rows (migration 0029 seeds them, 0031 adds some; product staff
# edit them in the admin): term -> canonical term. A canonical term of two words is two
# words ("宠物 医疗").
_SYNONYMS_0029: tuple[tuple[str, str], ...] = (
    # seeing a doctor
    *((t, "医疗") for t in ("看病", "问诊", "就诊", "看医生", "看诊", "就医", "医治", "诊疗")),
    *((t, "医疗") for t in ("medical", "medical care", "doctor", "clinic", "consultation")),
    # check-ups
    *((t, "体检") for t in ("检查", "健康检查", "身体检查", "全身检查", "查体", "健康体检")),
    *((t, "体检") for t in ("checkup", "health check", "health checkup", "medical check")),
    # hospital escort
    *((t, "陪诊") for t in ("陪同就医", "就医陪同", "陪看病", "陪护就医", "陪诊员")),
    *((t, "陪诊") for t in ("hospital escort", "escort", "accompany")),
    # pets
    *((t, "宠物") for t in ("猫狗", "猫咪", "狗狗", "毛孩子", "pet", "dog", "cat")),
    *((t, "宠物 医疗") for t in ("兽医", "宠物医院", "vet", "pet doctor")),
    ("grooming", "美容"),
    # teeth
    *((t, "牙科") for t in ("齿科", "口腔", "口腔科", "牙医", "看牙", "看牙医", "牙醫", "补牙")),
    *((t, "牙科") for t in ("dentist", "dental", "teeth", "tooth", "dental care")),
    *((t, "洗牙") for t in ("洁牙", "牙齿清洁", "洗牙齿", "scaling")),
    *((t, "洗牙") for t in ("teeth clean", "dental clean")),
    # eyes
    *((t, "眼科") for t in ("视力", "验光", "眼睛", "eye", "vision", "optometry")),
    *((t, "眼科 体检") for t in ("eye exam", "eye test", "vision check", "eye check")),
    ("physical exam", "体检"),
    # massage
    *((t, "按摩") for t in ("推拿", "massage", "按摩推拿")),
    # airport transfer
    *((t, "接送机") for t in ("机场接送", "接机", "送机", "机场接送机", "接送")),
    *((t, "接送机") for t in ("airport pickup", "airport transfer", "ride to the airport")),
    # the rest of the catalogue's words in English
    *((t, "健身") for t in ("健身房", "gym", "fitness", "fitness centre", "fitness center")),
    *((t, "游泳") for t in ("游泳馆", "游泳池", "swim", "swimming", "swimming pool", "pool")),
    *((t, "瑜伽") for t in ("瑜珈", "yoga")),
    ("课程", "课"),
    ("class", "课"),
    *((t, "充电") for t in ("充电桩", "charging", "charge", "ev charging")),
    *((t, "电动车") for t in ("新能源车", "ev", "electric car", "electric vehicle")),
    *((t, "洗车") for t in ("汽车清洗", "car wash", "wash my car", "washing my car")),
    *((t, "停车") for t in ("停车位", "停车费", "parking")),
    *((t, "海外") for t in ("境外", "出国", "abroad", "overseas")),
    *((t, "救援") for t in ("急救", "急难援助", "rescue", "emergency rescue", "evacuation")),
    *((t, "绿色通道") for t in ("绿通", "快速住院", "green channel", "fast track")),
    *((t, "挂号") for t in ("专家号", "挂专家号", "专家门诊", "预约专家", "appointment")),
    *((t, "私人医生") for t in ("家庭医生", "专属医生", "私人医师", "private doctor")),
    ("family doctor", "私人医生"),
    *((t, "在线") for t in ("线上", "网上", "视频", "互联网", "online", "video")),
    *((t, "慢病") for t in ("慢性病", "糖尿病", "高血压", "chronic disease", "diabetes")),
    *((t, "养老") for t in ("老人护理", "老年人护理", "养老院", "elderly care", "elder care")),
    *((t, "疫苗") for t in ("打疫苗", "疫苗接种", "vaccination", "vaccine", "flu shot")),
    *((t, "针灸") for t in ("扎针灸", "acupuncture")),
    *((t, "心理咨询") for t in ("心理辅导", "心理医生", "counselling", "counseling")),
    ("mental health", "心理咨询"),
    *((t, "法律咨询") for t in ("律师咨询", "找律师", "legal advice", "lawyer", "律师")),
    *((t, "生日礼物") for t in ("生日礼品", "birthday gift", "birthday present")),
    *((t, "电影票") for t in ("看电影", "观影券", "movie ticket", "cinema", "movie")),
    *((t, "咖啡") for t in ("coffee", "咖啡卷")),
    *((t, "券") for t in ("voucher", "coupon", "优惠券")),
    *((t, "理财") for t in ("投资", "financial planning", "wealth")),
    *((t, "讲座") for t in ("沙龙", "seminar", "salon")),
    *((t, "酒店") for t in ("hotel", "五星酒店")),
    *((t, "高尔夫") for t in ("golf", "高尔夫球场")),
    *((t, "癌症筛查") for t in ("肿瘤筛查", "防癌筛查", "早癌筛查", "cancer screening")),
    ("tumour screening", "癌症筛查"),
    ("discount", "优惠"),
    *((t, "免费") for t in ("free", "free of charge")),
    *((t, "预约") for t in ("book", "booking", "reserve")),
    ("management", "管理"),
    ("membership", "会员"),
    ("hospital", "医院"),
    ("admission", "住院"),
    ("annual", "年度"),
    ("yearly", "年度"),
    ("specialist", "专家"),
    ("stay", "住宿"),
    ("home care", "居家 养老"),
    ("parent", "父母"),
    ("course", "课"),
)
# Added by migration 0031 (to tables that exist, never over a staff edit): the demo's wishes
# and DOMAIN.md's benefit words, in both languages, so English and Chinese requests for one
# wish meet (L1 of the product staff's pass).
SYNONYMS_0031: tuple[tuple[str, str], ...] = (
    # postpartum confinement (月子)
    *((t, "月子") for t in ("坐月子", "月子护理", "月子中心", "月子会所", "产后护理", "月嫂")),
    *((t, "月子") for t in ("postpartum", "confinement", "yuezi", "postnatal", "post natal")),
    # appliances and house cleaning (家电清洗 is not 家庭保洁)
    *((t, "家电") for t in ("家用电器", "电器", "空调", "油烟机", "appliance", "home appliance")),
    *((t, "清洗") for t in ("清洁", "深度清洁", "clean", "deep clean", "wash")),
    *((t, "保洁") for t in ("家庭保洁", "家政", "家政保洁", "家务", "house clean", "home clean")),
    ("housekeeping", "保洁"),
    ("housework", "保洁"),
    # traditional Chinese medicine, physiotherapy
    *((t, "中医") for t in ("国医", "tcm", "chinese medicine", "traditional chinese medicine")),
    *((t, "理疗") for t in ("物理治疗", "康复理疗", "physiotherapy", "physio", "physical therapy")),
    # teeth: a check of the mouth is a dental check-up
    *((t, "牙科 体检") for t in ("口腔检查", "牙科检查", "牙齿检查", "dental check", "oral check")),
    *((t, "牙科 体检") for t in ("dental checkup", "dental exam", "teeth check")),
    # EV charging
    *((t, "电动车") for t in ("新能源汽车", "电动汽车", "电车")),
    ("ev charging", "电动车 充电"),
    # a second opinion, a consultation
    *((t, "第二诊疗意见") for t in ("第二意见", "复核诊断", "second opinion", "2nd opinion")),
    ("expert opinion", "第二诊疗意见"),
    # airports, lounges, rail
    *((t, "机场") for t in ("airport", "航站楼")),
    *((t, "贵宾厅") for t in ("贵宾室", "休息室", "lounge", "vip lounge", "vip room")),
    *((t, "安检") for t in ("security", "快速安检通道", "fast track security")),
    *((t, "高铁") for t in ("high speed rail", "high-speed rail", "bullet train", "动车")),
    # the body, the elderly
    *((t, "长者") for t in ("老人", "老年人", "父母", "elderly", "senior", "elder")),
    *((t, "体检") for t in ("medical exam", "health exam", "health screening", "check")),
    ("golf course", "高尔夫"),
    ("driving range", "高尔夫 练习场"),
    ("练习场", "高尔夫 练习场"),
)
STARTER_SYNONYMS = _SYNONYMS_0029 + SYNONYMS_0031
# Starter rows 0031 changes, where staff left them as seeded: term -> (was, now).
SYNONYMS_0031_CHANGED = {"home care": ("居家养老", "居家 养老")}
_LATIN_SPLIT = re.compile(r"([a-z0-9][a-z0-9']*)")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")

_load_lock = threading.Lock()
_state: dict[str, Any] = {}


def _tools() -> tuple[Any, Any]:
    """OpenCC's converter and jieba's tokenizer, loaded once per process, lazily (jieba reads
    its dictionary on first use: about a second). jieba's logging is silenced, its cache goes
    to the temporary directory, and its SyntaxWarnings on import (old escape sequences) are
    not ours to see."""
    if "jieba" not in _state:
        with _load_lock:
            if "jieba" not in _state:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba
                    import opencc
                # jieba adds its own stderr handler at import: ours (which scrub personal
                # data) take its records instead, and only its warnings.
                jieba_log = logging.getLogger("jieba")
                for handler in list(jieba_log.handlers):
                    jieba_log.removeHandler(handler)
                jieba_log.propagate = True
                jieba_log.setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                _state["opencc"] = opencc.OpenCC("t2s")
                _state["jieba"] = tokenizer
    return _state["opencc"], _state["jieba"]


def stem(word: str) -> str:
    """A light English stemmer: plurals and -ing, enough to group "check-ups", "checkup" and
    "check up", or "cleaning" and "clean". Chinese and digits pass through."""
    if word in {"ups", "ins", "outs", "offs"}:
        return word[:-1]
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
        if len(word) > 3 and word[-1] == word[-2]:
            word = word[:-1]
    return word


def _english(text: str) -> str:
    """Stem the Latin words and join a particle to the word before it ("check up")."""
    pieces = _LATIN_SPLIT.split(text)  # other, latin, other, latin, ..., other
    out: list[str] = [pieces[0]]
    for k in range(1, len(pieces), 2):
        word = stem(pieces[k].strip("'"))
        joins = (
            word in _PARTICLES
            and len(out) >= 2
            and not out[-1].strip()
            and out[-2].isascii()
            and out[-2] not in FILLERS_EN
        )
        if joins:
            out[-2] += word
            out[-1] = pieces[k + 1]
        else:
            out.extend([word, pieces[k + 1]])
    return "".join(out)


def normalise(text: str) -> str:
    """Steps 1 and 2: one script, one width, one case, stemmed English, no punctuation."""
    converter, _tokenizer = _tools()
    base = unicodedata.normalize("NFKC", text or "").casefold()
    base = base.replace("'", "").replace("\u2019", "")
    base = converter.convert(base)
    base = _NOT_WORD.sub(" ", base)
    return " ".join(_english(base).split())


@dataclass(frozen=True, eq=False)  # hashed by identity: compiled once, cached by callers
class Synonyms:
    """The synonym table compiled once: each term (normalised like a request) to its
    canonical term, as one regular expression, longest term first."""

    table: Mapping[str, str]
    pattern: re.Pattern[str] | None
    concepts: frozenset[str] = frozenset()
    # The canonical words in Chinese: kept whole, never segmented again.
    whole: frozenset[str] = frozenset()

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]]) -> Synonyms:
        table: dict[str, str] = {}
        for term, canonical in pairs:
            t, c = normalise(term), normalise(canonical)
            if t and c and t != c:
                table[t] = c
                parts = t.split()
                if len(parts) == 2 and t.isascii():  # "dental cleaning" = "cleaning dental"
                    table.setdefault(f"{parts[1]} {parts[0]}", c)
        if not table:
            return cls(table={}, pattern=None)
        # The canonical words written in Chinese are matched too (as themselves), so that a
        # domain word is never cut by jieba or eaten by a shorter term: 月子 stays whole, 洗牙及
        # is 洗牙 及, and 咨询 → 问诊 leaves 心理咨询 alone.
        whole = {w for c in table.values() for w in c.split() if _CJK.search(w) and len(w) > 1}
        keep = {w: w for w in whole if w not in table}
        alternatives = []
        for term in sorted({**keep, **table}, key=lambda t: (-len(t), t)):
            escaped = re.escape(term)
            if term[0].isascii():
                escaped = r"(?<![a-z0-9])" + escaped
            if term[-1].isascii():
                escaped += r"(?![a-z0-9])"
            alternatives.append(escaped)
        concepts = frozenset(w for c in table.values() for w in c.split()) - MODIFIERS
        return cls(
            table=table,
            pattern=re.compile("|".join(alternatives)),
            concepts=concepts,
            whole=frozenset(whole),
        )

    def apply(self, text: str) -> str:
        """Phrase level: every term in the text, before segmentation."""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: f" {self.table.get(m.group(0), m.group(0))} ", text)

    def word(self, token: str) -> list[str]:
        """Word level: a segmented word that is a term (also inside a canonical term)."""
        return self.table.get(token, token).split()


NO_SYNONYMS = Synonyms(table={}, pattern=None)


def words(text: str, synonyms: Synonyms = NO_SYNONYMS) -> tuple[str, ...]:
    """The request's meaningful words, canonical and sorted (duplicates dropped)."""
    _converter, tokenizer = _tools()
    normal = synonyms.apply(normalise(text))
    found = set()
    for chunk in normal.split():
        cut = _CJK.search(chunk) and chunk not in synonyms.whole
        for piece in tokenizer.lcut(chunk) if cut else [chunk]:
            for token in synonyms.word(piece.strip()):
                if token not in FILLERS_ZH and token not in FILLERS_EN:
                    found.add(token[:TERM_MAX])
    return tuple(sorted(found))


@lru_cache(maxsize=4096)
def grams(tokens: tuple[str, ...]) -> frozenset[str]:
    """Character bigrams of each Chinese word (a one-character word is its own gram), and
    each Latin word whole: what forgives another segmentation or a wrong character."""
    out: set[str] = set()
    for token in tokens:
        if len(token) < 2 or not _CJK.search(token):
            out.add(token)
        else:
            out.update(token[k : k + 2] for k in range(len(token) - 1))
    return frozenset(out)


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def _weighted_jaccard(a: set[str], b: set[str], concepts: frozenset[str]) -> float:
    def weight(words: set[str]) -> float:
        return sum(1.0 if w in concepts else MODIFIER_WEIGHT for w in words)

    union = weight(a | b)
    return weight(a & b) / union if union else 0.0


def similarity(
    a: tuple[str, ...], b: tuple[str, ...], concepts: frozenset[str] = frozenset()
) -> float:
    """How alike two requests' words are, 0..1: the larger of the overlap of their words
    (weighted: a domain concept, a canonical term of the synonym table, counts fully, any
    other word as a modifier, so 年度体检 meets 体检 but 眼科体检 does not) and the overlap of
    their characters' bigrams (which forgives another segmentation or a wrong character)."""
    if not a or not b:
        return 0.0
    return max(_weighted_jaccard(set(a), set(b), concepts), _jaccard(grams(a), grams(b)))


def index_terms(variants: Iterable[tuple[str, ...]]) -> set[str]:
    """What a group is found by: its wordings' words and character bigrams."""
    terms: set[str] = set()
    for variant in variants:
        terms.update(variant)
        terms.update(grams(tuple(variant)))
    return {t[:TERM_MAX] for t in terms}


def best_match(
    tokens: tuple[str, ...],
    candidates: Iterable[tuple[Any, Iterable[Iterable[str]]]],
    threshold: float = SIMILARITY_THRESHOLD,
    concepts: frozenset[str] = frozenset(),
) -> Any:
    """The candidate (id, its wordings) most like the request, if it reaches the threshold;
    ties go to the first candidate (the oldest group)."""
    best, best_score = None, threshold
    for ident, variants in candidates:
        score = max((similarity(tokens, tuple(v), concepts) for v in variants), default=0.0)
        if score > best_score or (best is None and score >= best_score):
            best, best_score = ident, score
    return best


def held_score(
    tokens: tuple[str, ...], name_words: tuple[str, ...], concepts: frozenset[str] = frozenset()
) -> float | None:
    """How closely a request names this benefit, or None when it does not. The request's
    domain words (its qualifiers too: 宠物 in 宠物医生视频问诊, 家电 in 家电清洗) must all be
    in the name; then every word of the request is in it (体检 in 标准体检), or the two are as
    alike as two requests of one wish. The score (their similarity) ranks several names."""
    if not tokens or not name_words:
        return None
    request, name = set(tokens), set(name_words)
    if not (request & concepts) <= name:
        return None
    score = similarity(tokens, name_words, concepts)
    if request <= name or score >= SIMILARITY_THRESHOLD:
        return score
    return None


def names_held(
    tokens: tuple[str, ...], name_words: tuple[str, ...], concepts: frozenset[str] = frozenset()
) -> bool:
    """Does a request name this benefit? (See `held_score`.)"""
    return held_score(tokens, name_words, concepts) is not None


class Grouper:
    """The grouping in memory, exactly as the service does it in the database: each request
    joins the most alike group (compared with the wording that started it: a group does not
    drift as requests join), or starts one. For the golden set and measuring thresholds."""

    def __init__(self, synonyms: Synonyms = NO_SYNONYMS, threshold: float = SIMILARITY_THRESHOLD):
        self.synonyms = synonyms
        self.threshold = threshold
        self.groups: list[list[tuple[str, ...]]] = []

    def add(self, text: str) -> int:
        tokens = words(text, self.synonyms)
        if not tokens:
            return -1
        found = best_match(tokens, enumerate(self.groups), self.threshold, self.synonyms.concepts)
        if found is None:
            self.groups.append([tokens])
            found = len(self.groups) - 1
        return int(found)
