"""Region look-ups. Regions are fixed data (from a migration), cached per process."""

from functools import cache


@cache
def _all_regions() -> dict[str, tuple[str, str, str, str | None]]:
    from core.models import Region

    return {
        r.code: (r.name, r.name_en, r.level, r.parent_id) for r in Region.objects.all()
    }


def region_names() -> dict[str, str]:
    """Each region's name in the active language (a copy: callers may change it)."""
    from django.utils.translation import get_language

    return dict(_names(get_language() or ""))


@cache
def _names(language: str) -> dict[str, str]:
    from core.models import bilingual

    return {
        code: bilingual(name, name_en)
        for code, (name, name_en, _level, _parent) in _all_regions().items()
    }


def region_levels() -> dict[str, str]:
    return {code: r[2] for code, r in _all_regions().items()}


def cities() -> list[tuple[str, str]]:
    names = region_names()
    return [(c, names[c]) for c, r in _all_regions().items() if r[2] == "city"]


def load_regions(region_model) -> int:
    """Insert the GB/T 2260 regions that are missing; returns how many were added.

    Takes the model class so the data migration can pass its historical model.
    """
    from core.regions_data import REGIONS

    existing = set(region_model.objects.values_list("code", flat=True))
    missing = [
        region_model(
            code=code, name=name, name_en=name_en, level=level, parent_id=parent
        )
        for code, name, name_en, level, parent in REGIONS  # parents come first
        if code not in existing
    ]
    region_model.objects.bulk_create(missing)
    return len(missing)
