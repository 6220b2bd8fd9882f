from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Annual survey")

    def ready(self) -> None:
        # The survey figures become a kind of import (dry run, apply, undo).
        from imports.columns import register_section
        from surveys.importing import SURVEY_SECTION

        register_section(SURVEY_SECTION)
        # The comparison of clusters shows their survey statistics side by side.
        from clusters.compare import register_compare_panel
        from surveys.stats_blocks import cluster_comparison

        register_compare_panel(cluster_comparison)
