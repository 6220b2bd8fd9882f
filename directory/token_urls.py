from django.urls import path

from directory import token_views

urlpatterns = [
    path("", token_views.api_token_create_view, name="api-token-create"),
    path(
        "<int:pk>/revoke/", token_views.api_token_revoke_view, name="api-token-revoke"
    ),
]
