"""Abuse limits in the settings: CSP, HTTPS-only cookies and HSTS, `check --deploy`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "q8Zt2-vN7pX4rK1wS9mJ6bH3cF0yL5dG_aE8uT2oI7nR4kW1-xQ3zV9",
    "ORTAK_HTTPS": "1",
    "ALLOWED_HOSTS": "ortak.example.org",
    "DATABASE_URL": "postgres://ortak@db.example.org:5432/ortak",
    "REDIS_URL": "redis://cache.example.org:6379/0",
}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` or ``python -c`` in a fresh process with exactly this environment."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(env: dict[str, str]) -> dict[str, Any]:
    code = (
        "import json, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'config.settings'); django.setup(); from django.conf import settings as s; "
        "names = ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_PROXY_SSL_HEADER', 'CONTENT_SECURITY_POLICY']; "
        "print(json.dumps({n: getattr(s, n, None) for n in names}))"
    )
    result = run_django(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- check --deploy ---------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = run_django(PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_without_https() -> None:
    env = {**PRODUCTION_ENV, "ORTAK_HTTPS": "0"}
    result = run_django(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_production_turns_on_https_only_cookies_and_hsts() -> None:
    values = production_settings(PRODUCTION_ENV)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    connect = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["connect-src"]
    assert "wss://ortak.example.org:*" in connect
    assert not any(source.startswith("ws:") for source in connect)


def test_plain_http_on_loopback_keeps_cookies_usable() -> None:
    values = production_settings({**PRODUCTION_ENV, "ORTAK_HTTPS": "0"})
    assert not values["SECURE_SSL_REDIRECT"]
    assert not values["SESSION_COOKIE_SECURE"]


# --- Content-Security-Policy ------------------------------------------------------------


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/decisions/", "/accounts/login/", "/api/v1/decisions/"])
def test_every_response_has_a_strict_policy(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    # The live screen's socket goes back to this site.
    assert "'self'" in directives["connect-src"]
    assert "ws://localhost:*" in directives["connect-src"]


@pytest.mark.django_db
def test_api_docs_work_under_the_policy(client: Client) -> None:
    """Swagger UI's set-up script is served as a file, not inline."""
    page = client.get(reverse("api_docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html), "inline script in the API docs"
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        if src.startswith("/"):
            assert client.get(src).status_code == 200, src


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def project_templates() -> list[Path]:
    roots = [BASE_DIR / "frontend_templates", *BASE_DIR.glob("*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html") if ".venv" not in p.parts)


def test_templates_have_nothing_inline() -> None:
    """What the policy would block must not be there in the first place."""
    templates = project_templates()
    assert len(templates) > 10
    offenders = []
    for template in templates:
        text = template.read_text(encoding="utf-8")
        for name, pattern in [
            ("inline script", INLINE_SCRIPT),
            ("on* attribute", INLINE_HANDLER),
            ("style attribute", INLINE_STYLE),
            ("style element", STYLE_ELEMENT),
            ("javascript: URL", JAVASCRIPT_URL),
        ]:
            if pattern.search(text):
                offenders.append(f"{template.relative_to(BASE_DIR)}: {name}")
    assert offenders == []
