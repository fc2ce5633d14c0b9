"""The OpenAPI document and the interactive documentation, served without any CDN."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from tests.api.helpers import API

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_yaml(client):
    response = client.get(f"{API}/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/persons/",
        "/api/v1/persons/{crn}/",
        "/api/v1/cases/",
        "/api/v1/cases/{crn}/",
        "/api/v1/calculators/ogrs3",
        "/api/v1/calculators/tier",
        "/api/v1/calculators/custody-dates",
    }


def test_schema_documents_parameters_and_problem_responses(client):
    document = client.get(f"{API}/schema/", {"format": "json"}).json()
    cases = document["paths"]["/api/v1/cases/"]["get"]
    assert {p["name"] for p in cases["parameters"]} == {
        "officer",
        "status",
        "contract_area",
        "limit",
        "offset",
    }
    assert "application/problem+json" in cases["responses"]["400"]["content"]
    case = document["paths"]["/api/v1/cases/{crn}/"]["get"]
    assert {"200", "401", "404"} <= set(case["responses"])
    assert "application/problem+json" in case["responses"]["404"]["content"]
    persons = document["paths"]["/api/v1/persons/"]["get"]
    assert "q" in {p["name"] for p in persons["parameters"]}
    assert {"tokenAuth", "cookieAuth"} <= set(document["components"]["securitySchemes"])


def test_schema_generation_has_no_warnings(tmp_path: Path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3")


def test_docs_page_loads_swagger_ui_from_this_service(client):
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in page
    assert f"{API}/docs/?script=" in page  # the start-up script is a file (CSP: no inline script)
    script = client.get(f"{API}/docs/?script=").content.decode()
    assert f"{API}/schema/" in script
    assert "cdn" not in page.lower()
    assert "unpkg" not in page.lower()


@pytest.mark.parametrize(
    "filename, content_type",
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui-standalone-preset.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_swagger_ui_files_are_served_locally(client, filename, content_type):
    response = client.get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{filename}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert b"".join(response.streaming_content)
