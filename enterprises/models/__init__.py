"""Enterprises, their certifications, photos and the users who may edit them."""

from enterprises.models.enterprise import Enterprise, EnterpriseQuerySet
from enterprises.models.feed import ChangeEvent
from enterprises.models.history import ChangeRecord
from enterprises.models.merge import EnterpriseMerge
from enterprises.models.related import (
    EnterpriseCertification,
    EnterpriseMembership,
    EnterprisePhoto,
)

__all__ = [
    "ChangeEvent",
    "ChangeRecord",
    "Enterprise",
    "EnterpriseCertification",
    "EnterpriseMembership",
    "EnterpriseMerge",
    "EnterprisePhoto",
    "EnterpriseQuerySet",
]
