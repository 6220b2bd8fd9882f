"""ZIP bombs and giant cells: refused by what the archive declares and what
inflating finds, before calamine expands anything, in bounded memory."""

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from django.utils import translation

from core import workbooks
from core.tabular import TabularError, read_table
from tests.spreadsheets import ods_bytes, ods_cell, xlsx_bomb, xlsx_long_cell

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # 20,000 rows of 40 cells: 130 KB that inflate to 37 MB (282 times), the
    # ratio of the 553 KB file that inflates to 457 MB.
    return xlsx_bomb(20_000, 40, "x" * 11)


def unpacked(data: bytes) -> int:
    import io

    return sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())


def test_an_xlsx_bomb_is_refused_by_its_declared_size_before_it_is_inflated(
    bomb, monkeypatch
):
    assert unpacked(bomb) > 200 * len(bomb) and unpacked(bomb) > 20_000_000

    def never(*args, **kwargs):
        raise AssertionError("inflated or handed to calamine")

    monkeypatch.setattr(workbooks, "inflate", never)
    monkeypatch.setattr(workbooks.CalamineWorkbook, "from_filelike", never)
    with pytest.raises(TabularError) as refused:
        read_table(bomb)
    message = str(refused.value.message)
    assert "unpacks to 39 MB" in message and "at most 26 MB" in message
    assert "refused unread" in message


def test_an_ods_bomb_is_refused_too():
    row = "<table:table-row>" + ods_cell("x" * 20) * 40 + "</table:table-row>"
    data = ods_bytes(row * 25_000)  # 80 MB of content.xml
    assert unpacked(data) > 200 * len(data)
    with pytest.raises(TabularError, match="unpacks to"):
        read_table(data)


def test_ordinary_workbooks_pass():
    fixtures = ROOT / "tests" / "fixtures" / "spreadsheets"
    for path in sorted(fixtures.glob("*.xlsx")) + sorted(fixtures.glob("*.ods")):
        table = read_table(path.read_bytes())
        assert table.header, path.name


CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {root!r})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    django.setup()
    from django.utils import translation
    from core.tabular import TabularError, read_table
    data = open(sys.argv[1], "rb").read()
    with translation.override("en"):
        try:
            table = read_table(data)
            print("read", sum(1 for _ in table.rows))
        except TabularError as exc:
            print("refused", exc.message)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("peak_kb", line.split()[1])
    """
)


def read_in_a_worker(path: Path) -> tuple[str, int]:
    """Read a file in a fresh process as an import worker does; what it said and
    its peak resident memory (MB)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        timeout=300,
    )
    lines = result.stdout.strip().splitlines()
    peak = int(lines[-1].split()[1]) // 1024
    return lines[-2], peak


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc")
def test_a_cell_of_300_mb_is_refused_within_the_worker_memory_budget(tmp_path):
    # Text that compresses only about 10 times (runs of "a" between random "b"),
    # so the file (an upload under the 50 MB limit) passes the size checks: the
    # cell is what is refused.
    path = tmp_path / "cell.xlsx"
    path.write_bytes(xlsx_long_cell(300 << 20, random_text=True))
    assert path.stat().st_size < 50_000_000
    said, peak = read_in_a_worker(path)
    assert said.startswith("refused A cell of the file holds more than 1 MB"), said
    assert peak < 500, f"peak RSS {peak} MB"
    # The same cell deflated as far as it goes is refused by its size.
    path.write_bytes(xlsx_long_cell(300 << 20))
    said, peak = read_in_a_worker(path)
    assert said.startswith("refused The file unpacks to"), said
    assert peak < 500, f"peak RSS {peak} MB"


def test_an_uploaded_bomb_is_refused_and_nothing_is_kept(client, staff, bomb):
    from django.core.files.storage import storages
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from imports.models import ImportJob

    folder = Path(storages["private"].location)
    before = set(folder.rglob("*")) if folder.exists() else set()
    client.force_login(staff)
    response = client.post(
        reverse("imports:import-list"),
        {"kind": "enterprises", "file": SimpleUploadedFile("bomb.xlsx", bomb)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "unpacks to 39 MB" in response.content.decode()
    assert not ImportJob.objects.exists()
    after = set(folder.rglob("*")) if folder.exists() else set()
    assert after == before
