"""Every page carries a Content-Security-Policy; the page's own inline scripts carry its nonce,
and nothing else inline may run."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/sign-in/", "/cases/", "/search/", "/api/v1/cases/", "/admin/"])
def test_every_response_has_a_strict_policy(path, crc_case, client_for):
    response = client_for(crc_case.responsible_officer).get(path)
    directives = policy(response)
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"
    assert directives["form-action"] == "form-action 'self'"


def test_the_pages_inline_scripts_carry_the_nonce_of_the_policy(crc_case, client_for):
    response = client_for(crc_case.responsible_officer).get("/cases/")
    nonce = re.search(r"'nonce-([^']+)'", policy(response)["script-src"]).group(1)
    body = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline, "the page has its inline scripts"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_each_response_gets_a_fresh_nonce(crc_case, client_for):
    client = client_for(crc_case.responsible_officer)
    first = policy(client.get("/cases/"))["script-src"]
    second = policy(client.get("/cases/"))["script-src"]
    assert first != second


def test_the_api_docs_work_under_the_policy(crc_case, client_for):
    client = client_for(crc_case.responsible_officer)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", body), "no inline script runs"
    assert "'unsafe-inline'" in policy(page)["style-src"]  # Swagger UI's inline styles
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
