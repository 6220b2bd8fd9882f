"""Production settings come from the environment: with
deploy/production.env.example, `check --deploy --fail-level WARNING` reports
nothing; `make serve` refuses to start without a secret key and host names."""

import shutil
import subprocess
import sys

from tests.deploy.helpers import ROOT, clean_environ, example_env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean_environ(), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_production_example_passes_check_deploy():
    result = deploy_check(example_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_each_security_setting_is_read_from_the_environment():
    env = {
        **example_env(),
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
    }
    result = deploy_check(env)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr, result.stderr


def test_cookies_are_secure_by_default_when_debug_is_off():
    env = {
        "DJANGO_SECRET_KEY": "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DJANGO_DEBUG": "0",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_environ(), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True", "True", "False"], result.stderr


def test_the_example_commits_no_secret():
    text = (ROOT / "deploy" / "production.env.example").read_text()
    assert "\nDJANGO_SECRET_KEY=\n" in text
    assert "\nDJANGO_EMAIL_PASSWORD=\n" in text


def test_make_serve_refuses_to_start_without_key_and_hosts(tmp_path):
    # A copy of the scripts: a developer's .env in the checkout cannot change it.
    (tmp_path / "scripts").mkdir()
    for name in ("serve.sh", "supervise.sh"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "serve.sh")],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS not set" in result.stderr
    assert "export DJANGO_SECRET_KEY=" in result.stderr
    assert "export DJANGO_ALLOWED_HOSTS=" in result.stderr
    assert "deploy/production.env.example" in result.stderr
    assert not (tmp_path / "var").exists()  # nothing was started
