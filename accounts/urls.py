"""Login (throttled), sign-up and API tokens; Django's own auth views follow in
config.urls."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordResetForm

urlpatterns = [
    path(
        "accounts/login/",
        views.SiteLoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", views.SiteLogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup_view, name="signup"),
    path(
        "accounts/signup/confirm/<str:token>/",
        views.signup_verify_view,
        name="signup-verify",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ThrottledPasswordResetForm,
            html_email_template_name="registration/password_reset_email_html.html",
        ),
        name="password_reset",
    ),
    path("me/language/", views.language_preference_view, name="me-language"),
    path("me/tokens/", views.api_token_create_view, name="api-token-create"),
    path(
        "me/tokens/<int:pk>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
