from django.contrib import admin

from markets.models import Market, Tenancy


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "region", "cluster", "is_synthetic"]
    search_fields = ["name", "name_en"]
    autocomplete_fields = ["region"]


@admin.register(Tenancy)
class TenancyAdmin(admin.ModelAdmin):
    list_display = ["market", "stall", "enterprise", "since_year"]
    list_filter = ["market"]
    raw_id_fields = ["enterprise"]
