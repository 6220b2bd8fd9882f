from django.contrib import admin

from clusters.models import Cluster, Designation


class DesignationInline(admin.TabularInline):
    model = Designation
    fk_name = "cluster"
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "region", "specialty", "is_synthetic"]
    list_filter = ["is_synthetic"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["region"]
    inlines = [DesignationInline]


@admin.register(Designation)
class DesignationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "awarding_body", "awarded_on", "next_review_on"]
    list_filter = ["kind"]
    search_fields = ["title", "title_en", "awarding_body"]
    raw_id_fields = ["enterprise"]
    autocomplete_fields = ["cluster"]
