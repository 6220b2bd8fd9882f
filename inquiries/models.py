"""Inquiries: a signed-in visitor's message to an enterprise, and the replies."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class Inquiry(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.CASCADE,
        related_name="inquiries_sent",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="inquiries",
    )
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    products = models.CharField(_("products"), max_length=300, blank=True)
    quantity = models.CharField(_("quantity"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [
            models.Index(fields=["sender", "created_at"], name="inquiry_sender_time"),
            models.Index(
                fields=["enterprise", "created_at"], name="inquiry_enterprise_time"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inquiries:inquiry-detail", args=[self.pk])


class InquiryReply(models.Model):
    inquiry = models.ForeignKey(
        Inquiry,
        verbose_name=_("inquiry"),
        on_delete=models.CASCADE,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    from_enterprise = models.BooleanField(_("from the enterprise"))
    message = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.inquiry} · {self.created_at:%Y-%m-%d}"
