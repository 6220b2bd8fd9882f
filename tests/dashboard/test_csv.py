import csv
import io

import pytest

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel and WPS
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_city_csv_has_every_city_and_its_count(client, staff, known):
    client.force_login(staff)
    response = client.get("/dashboard/charts/city.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    table = rows(response)
    counts = {r[0]: int(r[2]) for r in table[1:]}
    assert len(counts) == 14
    assert counts["211400"] == 3 and counts["210200"] == 2 and counts["210100"] == 1
    assert counts["211300"] == 0
    labels = {r[0]: r[1] for r in table[1:]}
    assert labels["210100"] == "沈阳市"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cluster", {"swim": 3, "suits": 1}),
        ("sector", {"swimwear": 3, "knitting": 1, "suits": 1, "textile": 1, "silk": 1}),
        ("model", {"processing": 3, "odm": 1, "own_brand": 1, "trading": 1}),
        ("market", {"JP": 3, "US": 1, "KR": 1}),
        (
            "employees",
            {"1-19": 0, "20-99": 2, "100-299": 1, "300-999": 1, "1000+": 0},
        ),
    ],
)
def test_chart_csv_counts(client, staff, known, name, expected):
    client.force_login(staff)
    table = rows(client.get(f"/dashboard/charts/{name}.csv"))
    assert {r[0]: int(r[2]) for r in table[1:]} == expected


def test_updated_per_month_covers_24_months(client, staff, known):
    client.force_login(staff)
    table = rows(client.get("/dashboard/charts/updated.csv"))[1:]
    assert len(table) == 24
    assert sum(int(r[2]) for r in table) == 6  # all were updated just now
    assert int(table[-1][2]) == 6


def test_unknown_chart_is_404(client, staff):
    client.force_login(staff)
    assert client.get("/dashboard/charts/nope.csv").status_code == 404


def test_csv_neutralises_formulas(client, staff):
    from tests.factories import ClusterFactory, EnterpriseFactory

    cluster = ClusterFactory(slug="formula", name="=HYPERLINK(1)")
    EnterpriseFactory(clusters=[cluster])
    client.force_login(staff)
    table = rows(client.get("/dashboard/charts/cluster.csv"))
    assert table[1][1] == "'=HYPERLINK(1)"


def test_cluster_chart_csv(client, known):
    response = client.get("/clusters/swim/charts/sector.csv")
    assert response.status_code == 200
    assert {r[0]: int(r[2]) for r in rows(response)[1:]} == {
        "swimwear": 3,
        "knitting": 1,
    }
    assert client.get("/clusters/swim/charts/city.csv").status_code == 404
