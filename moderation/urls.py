"""Addresses of self-service and moderation (DESIGN.md: Addresses).

``urlpatterns`` are site-level; ``enterprise_urlpatterns`` are mounted by
``config.urls`` under ``/enterprises/`` in the ``enterprises`` namespace."""

from django.urls import path

from moderation import confirm_views, merge_views, views

urlpatterns = [
    path("me/", views.me, name="me"),
    path("review/", views.review_queue, name="review"),
    path(
        "review/change-requests/<int:pk>/",
        views.review_change_request,
        name="review-change-request",
    ),
    path("review/claims/<int:pk>/", views.review_claim, name="review-claim"),
    path(
        "review/claims/<int:pk>/revoke/",
        confirm_views.review_claim_revoke,
        name="review-claim-revoke",
    ),
    path(
        "review/claims/<int:pk>/proof/",
        views.review_claim_proof,
        name="review-claim-proof",
    ),
    path("review/stale/", views.review_stale, name="review-stale"),
    path("review/duplicates/", merge_views.review_duplicates, name="review-duplicates"),
    path(
        "review/duplicates/scan/",
        merge_views.review_duplicates_scan,
        name="review-duplicates-scan",
    ),
    path(
        "review/duplicates/<int:pk>/dismiss/",
        merge_views.review_duplicate_dismiss,
        name="review-duplicate-dismiss",
    ),
    path(
        "invitations/<str:token>/",
        views.invitation_accept_view,
        name="invitation-accept",
    ),
]

enterprise_urlpatterns = [
    path("<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("<int:pk>/history/", views.enterprise_history, name="enterprise-history"),
    path(
        "<int:pk>/history/<int:record_pk>/revert/",
        confirm_views.enterprise_history_revert,
        name="enterprise-history-revert",
    ),
    path("<int:pk>/confirm/", views.enterprise_confirm_view, name="enterprise-confirm"),
    path("<int:pk>/claim/", views.enterprise_claim, name="enterprise-claim"),
    path("<int:pk>/invite/", views.enterprise_invite, name="enterprise-invite"),
    path("<int:pk>/merge/", merge_views.enterprise_merge_view, name="enterprise-merge"),
    path(
        "<int:pk>/verify/", merge_views.enterprise_verify_view, name="enterprise-verify"
    ),
    path(
        "<int:pk>/merge/<int:merge_pk>/undo/",
        merge_views.enterprise_merge_undo_view,
        name="enterprise-merge-undo",
    ),
]
