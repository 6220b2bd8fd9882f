from django.contrib import admin

from enterprises.models import (
    Enterprise,
    EnterpriseCertification,
    EnterpriseMembership,
    EnterprisePhoto,
)


class CertificationInline(admin.TabularInline):
    model = EnterpriseCertification
    extra = 0


class PhotoInline(admin.TabularInline):
    model = EnterprisePhoto
    extra = 0


class MembershipInline(admin.TabularInline):
    model = EnterpriseMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "uscc", "city", "region", "published"]
    list_filter = ["published", "source", "employee_band"]
    search_fields = ["=uscc", "name"]
    show_full_result_count = False
    list_select_related = ["city", "region"]
    raw_id_fields = ["region"]
    filter_horizontal = ["clusters"]
    inlines = [CertificationInline, PhotoInline, MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from enterprises.services import enterprise_reindex

        enterprise_reindex(enterprise=form.instance)

    def save_model(self, request, obj, form, change):
        obj.city_id = obj.region.city_code
        super().save_model(request, obj, form, change)


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "role", "created_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "enterprise"]
