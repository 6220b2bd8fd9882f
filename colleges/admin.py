from django.contrib import admin

from colleges.models import College, CollegeProgramme, Partnership


class ProgrammeInline(admin.TabularInline):
    model = CollegeProgramme
    extra = 0


@admin.register(College)
class CollegeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "region", "is_synthetic"]
    list_filter = ["kind", "is_synthetic"]
    search_fields = ["name", "name_en"]
    autocomplete_fields = ["region"]
    inlines = [ProgrammeInline]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["college", "enterprise", "kind", "since_year"]
    raw_id_fields = ["enterprise"]
