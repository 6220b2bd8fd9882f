from django.urls import path

from enterprises import moderation_views, views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("typeahead/", views.typeahead, name="typeahead"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("<int:pk>/edit/", moderation_views.enterprise_edit, name="enterprise-edit"),
    path(
        "<int:pk>/history/",
        moderation_views.enterprise_history,
        name="enterprise-history",
    ),
    path(
        "<int:pk>/history/<int:record_pk>/revert/",
        moderation_views.enterprise_history_revert,
        name="enterprise-history-revert",
    ),
    path(
        "<int:pk>/confirm/",
        moderation_views.enterprise_confirm_view,
        name="enterprise-confirm",
    ),
    path("<int:pk>/claim/", moderation_views.enterprise_claim, name="enterprise-claim"),
    path(
        "<int:pk>/invite/", moderation_views.enterprise_invite, name="enterprise-invite"
    ),
]
