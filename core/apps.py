from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core import checks  # noqa: F401  (registers the checks)
        from core.pagecache import install_triggers

        # After every migrate (and a test's flush): every visible table has the
        # page cache's trigger, and the generation moves on.
        post_migrate.connect(install_triggers, sender=self)
