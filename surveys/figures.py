"""The figures the annual survey asks, declared once: their labels, units and
whether a survey asks them as optional by default. The fill-in form, the review,
the import columns, the statistics and the report are built from this list."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    name: str
    zh: str  # the import column's Chinese header
    en: str  # and its English header
    label: object  # lazy translation
    unit: object
    optional: bool  # optional unless a survey says otherwise


FIGURES = [
    Figure(
        "revenue", "营业收入", "Operating revenue", _("Operating revenue"),
        _("10,000 yuan"), False,
    ),
    Figure(
        "output", "工业总产值", "Output value", _("Output value"),
        _("10,000 yuan"), False,
    ),
    Figure("employees", "从业人数", "Employees", _("Employees"), _("people"), False),
    Figure(
        "exports", "出口额", "Export value", _("Export value"), _("10,000 yuan"), True
    ),
    Figure(
        "capacity", "月产能", "Monthly capacity", _("Monthly capacity"),
        _("pieces a month"), True,
    ),
    Figure("products", "主要产品", "Main products", _("Main products"), "", True),
]  # fmt: skip
FIGURE_NAMES = [f.name for f in FIGURES]
BY_NAME = {f.name: f for f in FIGURES}
DEFAULT_OPTIONAL = [f.name for f in FIGURES if f.optional]
# The figures the statistics add up.
SUMMED = ["employees", "revenue", "output", "exports"]


@dataclass(frozen=True)
class MarketGroup:
    code: str
    zh: str
    en: str
    label: object


# The split of the export value by market, in the groups the association reports.
MARKETS = [
    MarketGroup("jp", "日本", "Japan", _("Japan")),
    MarketGroup("kr", "韩国", "Korea", _("Korea")),
    MarketGroup("eu", "欧盟", "EU", _("European Union")),
    MarketGroup("us", "美国", "USA", _("United States")),
    MarketGroup("ru", "俄罗斯", "Russia", _("Russia")),
    MarketGroup("asean", "东盟", "ASEAN", _("ASEAN")),
    MarketGroup("other", "其他市场", "Other markets", _("Other markets")),
]
MARKET_CODES = [m.code for m in MARKETS]


def figure_choices() -> list[tuple[str, object]]:
    return [(f.name, f.label) for f in FIGURES]
