from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.models import Region

# The admin site's name in its header and titles (not "Django 站点管理员").
admin.site.site_header = _("Liaoning Textile Directory administration")
admin.site.site_title = _("Liaoning Textile Directory administration")
admin.site.index_title = _("Data administration")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]
