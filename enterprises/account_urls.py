"""Site-level addresses for accounts and moderation (DESIGN.md: Addresses)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from enterprises import moderation_views as views
from enterprises.forms import ThrottledAuthenticationForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("review/", views.review_queue, name="review"),
    path(
        "review/change-requests/<int:pk>/",
        views.review_change_request,
        name="review-change-request",
    ),
    path("review/claims/<int:pk>/", views.review_claim, name="review-claim"),
    path(
        "review/claims/<int:pk>/proof/",
        views.review_claim_proof,
        name="review-claim-proof",
    ),
    path("review/stale/", views.review_stale, name="review-stale"),
    path(
        "invitations/<str:token>/",
        views.invitation_accept_view,
        name="invitation-accept",
    ),
]
