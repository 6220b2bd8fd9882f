from django import forms
from django.utils.translation import gettext_lazy as _

from inquiries.models import Inquiry, InquiryReply


class InquiryForm(forms.ModelForm):
    consent = forms.BooleanField(
        label=_(
            "I agree that my message and name are passed to the enterprise, as the "
            "privacy notice says."
        ),
        error_messages={"required": _("Please agree to the privacy notice.")},
    )

    class Meta:
        model = Inquiry
        fields = ["subject", "message", "products", "quantity"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "products": _("For example: cotton poplin, 150 g/m²."),
            "quantity": _("For example: 5,000 metres a month."),
        }

    def clean_message(self):
        message = (self.cleaned_data.get("message") or "").strip()
        if len(message) < 10:
            raise forms.ValidationError(
                _("Write at least 10 characters, so the enterprise can answer.")
            )
        return message


class ReplyForm(forms.ModelForm):
    class Meta:
        model = InquiryReply
        fields = ["message"]
        labels = {"message": _("Your reply")}
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}
