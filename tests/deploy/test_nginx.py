"""deploy/nginx.conf in front of `make serve` on loopback, over TLS: a page, a
static file, a public upload and a file upload go through it, and the app sees
HTTPS and the client only because the proxy is trusted."""

import http.client as http_client
import json
import subprocess
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from imports.models import ImportJob
from tests.deploy.helpers import (
    ROOT,
    clean_environ,
    database_url,
    free_port,
    start,
    stop,
    wait_until_up,
)
from tests.factories import StaffFactory
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = pytest.mark.django_db(transaction=True)
NGINX = "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def nginx_binary():
    if not Path(NGINX).exists():
        result = subprocess.run(
            ["bash", "scripts/apt-install.sh", "nginx-light"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr
    return NGINX


def site_config(tmp: Path, app_port: int, http_port: int, https_port: int) -> str:
    """The example with this test's ports, certificate and folders."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "127.0.0.1:8000": f"127.0.0.1:{app_port}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/letsencrypt/live/directory.example.org/fullchain.pem": str(
            tmp / "cert.pem"
        ),
        "/etc/letsencrypt/live/directory.example.org/privkey.pem": str(tmp / "key.pem"),
        "/srv/directory/static/": f"{tmp / 'static'}/",
        "/srv/directory/media/": f"{tmp / 'media'}/",
        "directory.example.org": "127.0.0.1",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    text = "\n".join(line for line in text.splitlines() if "[::]" not in line)
    temp = tmp / "nginx-temp"
    return f"""
user root;
daemon off;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"};
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp / "nginx-access.log"};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{text}
}}
"""


def test_nginx_serves_pages_static_files_and_uploads(nginx_binary, tmp_path):
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "nginx-temp").mkdir()
    (tmp_path / "media" / "photos" / "loom.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = tmp_path / "nginx.conf"
    config.write_text(site_config(tmp_path, app_port, http_port, https_port))
    test = subprocess.run(
        [nginx_binary, "-t", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert test.returncode == 0, test.stderr

    env = {
        **clean_environ(),
        "DATABASE_URL": database_url(),
        # The test's key: the session it signs in below is valid there too.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_SECURE_HSTS_SECONDS": "60",
        "DJANGO_LOG_FORMAT": "text",
        "PORT": str(app_port),
        "WEB_CONCURRENCY": "2",
    }
    serve = start(["bash", "scripts/serve.sh"], env, tmp_path / "serve.log")
    nginx = start(
        [nginx_binary, "-p", str(tmp_path), "-c", str(config)],
        clean_environ(),
        tmp_path / "nginx.log",
    )
    base = f"https://127.0.0.1:{https_port}"
    http = requests.Session()
    http.trust_env = False  # no proxies or CA bundle from the environment
    http.verify = str(tmp_path / "cert.pem")  # the test's own certificate
    try:
        wait_until_up(
            f"http://127.0.0.1:{app_port}/healthz", serve, tmp_path / "serve.log"
        )

        plain = requests.get(
            f"http://127.0.0.1:{http_port}/enterprises/",
            allow_redirects=False,
            timeout=10,
        )
        assert plain.status_code == 301
        assert plain.headers["Location"] == "https://127.0.0.1/enterprises/"

        # A page: the app saw HTTPS (from the trusted proxy), so no redirect
        # loop, and it sends HSTS.
        page = http.get(f"{base}/enterprises/", timeout=30, allow_redirects=False)
        assert page.status_code == 200
        assert "text/html" in page.headers["Content-Type"]
        assert page.headers["Strict-Transport-Security"].startswith("max-age=60")
        # From another address (not the proxy), the same header is not believed:
        # the app redirects to HTTPS itself.
        direct = http_client.HTTPConnection(
            "127.0.0.1", app_port, timeout=10, source_address=("127.0.0.2", 0)
        )
        direct.request("GET", "/enterprises/", headers={"X-Forwarded-Proto": "https"})
        assert direct.getresponse().status == 301
        direct.close()

        # A static file, compressed, from collectstatic's folder.
        manifest = (tmp_path / "static" / "staticfiles.json").read_text()
        css = next(
            name
            for name in json.loads(manifest)["paths"].values()
            if name.endswith(".css")
        )
        static = http.get(
            f"{base}/static/{css}", headers={"Accept-Encoding": "gzip"}, timeout=30
        )
        assert static.status_code == 200
        assert static.headers["Content-Encoding"] == "gzip"
        assert "immutable" in static.headers["Cache-Control"]

        # A public upload (an enterprise photo) from the media folder.
        photo = http.get(f"{base}/media/photos/loom.png", timeout=30)
        assert photo.status_code == 200
        assert photo.content.startswith(b"\x89PNG")

        # A file upload: a staff import through the proxy, CSRF and all.
        staff = StaffFactory()
        login = Client()
        login.force_login(staff)
        http.cookies.set(
            "sessionid", login.cookies["sessionid"].value, domain="127.0.0.1"
        )
        form = http.get(f"{base}/imports/", timeout=30, allow_redirects=False)
        assert form.status_code == 200
        cookie = next(c for c in http.cookies if c.name == "csrftoken")
        assert cookie.secure  # Secure cookies in production
        upload = http.post(
            f"{base}/imports/",
            data={"kind": "enterprises"},
            files={
                "file": (
                    "upload.csv",
                    csv_bytes([row(name="经代理上传有限公司", uscc=uscc(77))]),
                    "text/csv",
                )
            },
            headers={"X-CSRFToken": cookie.value, "Referer": f"{base}/imports/"},
            allow_redirects=False,
            timeout=60,
        )
        assert upload.status_code == 302, upload.text[:500]
        job = ImportJob.objects.get(file_name="upload.csv")
        assert upload.headers["Location"].endswith(f"/imports/{job.pk}/")
        assert job.created_by == staff
    finally:
        stop(nginx)
        stop(serve)
    log = (tmp_path / "nginx-access.log").read_text()
    assert "POST /imports/" in log
