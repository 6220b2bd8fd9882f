from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import ApiToken
from accounts.tokens import api_token_revoke

# /admin/login/ counts and refuses attempts under the same lock as /accounts/login/.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff see every API token and can revoke any; keys are never shown (only
    their hash is stored) and tokens are created by their users on /me/."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)
        self.message_user(request, _("The selected tokens are revoked."))
