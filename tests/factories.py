import factory
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.tokens import api_token_create
from clusters.models import Cluster
from core.permissions import staff_group
from enterprises.models import Enterprise, EnterpriseMembership
from enterprises.services import enterprise_reindex


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-2026")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    """A member of the Staff group (staff capability comes from its permissions);
    ``is_staff`` opens the admin site, as for the demo staff."""

    is_staff = True

    @factory.post_generation
    def staff_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(staff_group())


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    slug = factory.Sequence(lambda n: f"cluster-{n}")
    name = factory.Sequence(lambda n: f"测试集群{n}")
    name_en = factory.Sequence(lambda n: f"Test cluster {n}")
    region_id = "211481"
    specialty = "泳装"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """An enterprise, indexed for search like one saved through the services."""

    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    name_en = factory.Sequence(lambda n: f"Test Enterprise {n} Co., Ltd.")
    region_id = "211481"
    city_id = factory.LazyAttribute(lambda e: e.region_id[:4] + "00")
    published = True

    @factory.post_generation
    def clusters(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.clusters.set(extracted)

    @factory.post_generation
    def reindex(obj, create, extracted, **kwargs):
        if create:
            enterprise_reindex(enterprise=obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseMembership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = "owner"


def token_client(user) -> APIClient:
    _token, key = api_token_create(actor=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
