from django.contrib import admin

from programmes.models import Award, Event, Participation, Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind"]


class AwardInline(admin.TabularInline):
    model = Award
    extra = 0
    raw_id_fields = ["enterprise"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "programme", "starts_on", "ends_on"]
    list_filter = ["kind", "programme"]
    search_fields = ["name", "name_en"]
    inlines = [AwardInline]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "programme", "event", "year"]
    list_filter = ["programme", "year"]
    raw_id_fields = ["enterprise"]
