"""Forms of claims, their decisions and invitations."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from core.uploads import check_proof_document
from enterprises.choices import MembershipRole
from moderation.models import Claim


class ClaimForm(forms.ModelForm):
    class Meta:
        model = Claim
        fields = [
            "relationship",
            "uscc",
            "contact_name",
            "contact_phone",
            "contact_email",
            "proof",
        ]
        widgets = {
            "proof": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.png"})
        }

    consent = forms.BooleanField(
        label=_(
            "I agree that staff use these details to check my claim, as the "
            "privacy notice says."
        ),
        error_messages={"required": _("Please agree to the privacy notice.")},
    )

    def clean_uscc(self):
        return (self.cleaned_data.get("uscc") or "").strip().upper()

    def clean_proof(self):
        proof = self.cleaned_data.get("proof")
        if proof is None or not hasattr(proof, "read"):
            return proof
        return check_proof_document(proof)


class ClaimDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReasonForm(forms.Form):
    """The reason a destructive staff action asks for on its confirmation page."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        error_messages={"required": _("Say why.")},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.EDITOR
    )


class InvitationSignupForm(UserCreationForm):
    """A new account for the invited person (Django's password validators apply)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
