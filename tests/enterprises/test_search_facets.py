"""Facet labels of rows of the database (cluster and programme names): each process
keeps them while the database's generation stays where it was read, so a search
page reads none of those tables, and a renamed cluster shows on the very next
page. Transactional tests: the generation is about commits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagecache
from enterprises.search import facets
from tests.factories import ClusterFactory, EnterpriseFactory

NAMED_TABLES = ("clusters_cluster", "programmes_programme")


def names_read(queries) -> bool:
    return any(
        table in q["sql"] for q in queries.captured_queries for table in NAMED_TABLES
    )


def search_page(client, language="zh-hans"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/enterprises/?q=泳装", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode(), queries


@pytest.mark.django_db(transaction=True)
def test_a_renamed_cluster_shows_on_the_next_search_page(client):
    cluster = ClusterFactory(name="兴城泳装集群", name_en="Xingcheng swimwear")
    EnterpriseFactory(products="泳装", clusters=[cluster])
    html, _ = search_page(client)
    assert "兴城泳装集群" in html
    assert "Xingcheng swimwear" in search_page(client, "en")[0]
    html, queries = search_page(client)
    assert "兴城泳装集群" in html
    assert not names_read(queries)  # this process's copy

    cluster.name, cluster.name_en = "中国泳装名城", "China Swimwear City"
    cluster.save(update_fields=["name", "name_en"])
    html, queries = search_page(client)
    assert "中国泳装名城" in html and "兴城泳装集群" not in html
    assert names_read(queries)
    english, _ = search_page(client, "en")
    assert "China Swimwear City" in english and "Xingcheng swimwear" not in english


@pytest.mark.django_db
def test_names_read_while_a_write_is_in_flight_are_not_kept():
    # This test's own transaction wrote a cluster and has not committed: the
    # names it reads may be undone, or the generation may move on after them.
    ClusterFactory(slug="xingcheng", name="兴城泳装集群")
    generation = pagecache.generation()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            labels = facets.named_labels("cl", generation)
        assert labels["xingcheng"] == "兴城泳装集群"
        assert names_read(queries)
