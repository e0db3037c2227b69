"""Read paths of the catalog."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.exceptions import NotFound

from .error_codes import BenefitErrorCode
from .models import Benefit, BenefitStatus, Category
from .text import SUFFIXES, translations
from .translation import CATEGORY_TEXTS


def category_tree() -> list[dict[str, object]]:
    """Every category as nested dicts, built from one query: its name in the reader's
    language and in both (`translations`)."""
    nodes: dict[int, dict[str, object]] = {}
    roots: list[dict[str, object]] = []
    for cat in Category.objects.order_by("path_code"):
        node: dict[str, object] = {
            "code": cat.path_code,
            "name": cat.name,
            "translations": translations(cat, CATEGORY_TEXTS),
            "children": [],
        }
        nodes[cat.pk] = node
        if cat.parent_id is None:
            roots.append(node)
        else:
            nodes[cat.parent_id]["children"].append(node)  # type: ignore[attr-defined]
    return roots


# The customer-facing texts a benefit must have in each language ("translation missing").
REQUIRED_TEXTS = ("name", "description", "how_to_use")


def translation_missing_q(language: str) -> Q:
    """Benefits lacking a name, description or how-to-use text in `language` (en, zh-hans)."""
    suffix = SUFFIXES[language]
    missing = Q()
    for text in REQUIRED_TEXTS:
        column = f"{text}_{suffix}"
        missing |= Q(**{f"{column}__isnull": True}) | Q(**{column: ""})
    return missing


def translations_missing(benefit: Benefit) -> list[tuple[str, str]]:
    """Which required texts the benefit lacks, as (field, language) pairs: what product staff
    must still write (the same rule as `translation_missing_q`, on a loaded row)."""
    return [
        (text, language)
        for language, suffix in SUFFIXES.items()
        for text in REQUIRED_TEXTS
        if not getattr(benefit, f"{text}_{suffix}", None)
    ]


def benefits_missing_translation() -> QuerySet[Benefit]:
    """Benefits, not retired, lacking a required text in either language."""
    return Benefit.objects.exclude(status=BenefitStatus.RETIRED).filter(
        translation_missing_q("en") | translation_missing_q("zh-hans")
    )


def benefit_get(*, code: str, queryset: QuerySet[Benefit] | None = None) -> Benefit:
    qs = queryset if queryset is not None else Benefit.objects.select_related("category")
    try:
        return qs.get(code=code)
    except Benefit.DoesNotExist:
        raise NotFound(
            BenefitErrorCode.BENEFIT_NOT_FOUND,
            _("No benefit with code %(code)s.") % {"code": code},
            field="benefit",
        ) from None


def category_get(*, code: str) -> Category:
    try:
        return Category.objects.get(path_code=code)
    except Category.DoesNotExist:
        raise NotFound(
            BenefitErrorCode.CATEGORY_NOT_FOUND,
            _("No category with code %(code)s.") % {"code": code},
            field="category",
        ) from None


def benefits_in_branch(
    *, code_prefix: str, queryset: QuerySet[Benefit] | None = None
) -> QuerySet[Benefit]:
    """A category code matches its whole branch: MED matches the benefits of MED.02 too."""
    qs = queryset if queryset is not None else Benefit.objects.all()
    prefix = code_prefix.strip().upper().rstrip(".")
    return qs.filter(
        Q(category__path_code=prefix)
        | Q(category__path_code__startswith=prefix + ".")
        | Q(code=prefix)
    )
