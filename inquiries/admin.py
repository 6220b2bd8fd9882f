from django.contrib import admin

from inquiries.models import Inquiry, InquiryReply


class ReplyInline(admin.TabularInline):
    model = InquiryReply
    extra = 0
    readonly_fields = ["author", "from_enterprise", "message", "created_at"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ["subject", "enterprise", "sender", "created_at"]
    list_select_related = ["enterprise", "sender"]
    raw_id_fields = ["enterprise", "sender"]
    search_fields = ["subject", "enterprise__name"]
    inlines = [ReplyInline]
