"""The systemd units in deploy/ are valid for systemd itself: `systemd-analyze
verify` (Debian's systemd) reads each with its paths pointed at this checkout and
reports nothing (an unknown key, a bad value, a missing executable, a timer
without its service would each be reported)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ANALYZE = shutil.which("systemd-analyze")

pytestmark = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze is not installed (Debian: systemd)"
)


def units() -> list[Path]:
    return sorted(
        p for p in DEPLOY.iterdir() if p.suffix in {".service", ".timer", ".socket"}
    )


def test_there_are_units_for_the_web_and_the_worker():
    names = {p.name for p in units()}
    assert {"directory-web.service", "directory-worker@.service"} <= names


def test_every_unit_verifies_cleanly(tmp_path):
    checked = []
    for unit in units():
        text = unit.read_text().replace("/srv/directory/app", str(ROOT))
        # A template is verified as an instance of it.
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text)
        checked.append(str(tmp_path / name))
    result = subprocess.run(
        [ANALYZE, "verify", *checked],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_a_broken_unit_is_reported(tmp_path):
    """The check above can fail: an unknown key is reported."""
    broken = tmp_path / "broken.service"
    broken.write_text("[Service]\nExecStart=/bin/true\nRestartt=always\n")
    result = subprocess.run(
        [ANALYZE, "verify", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Restartt" in result.stderr
