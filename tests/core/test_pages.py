"""What a new user tripped on: date boxes marked in error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string

from probation.core.forms_audit import AuditSearchForm

pytestmark = pytest.mark.django_db


class TestDateInputsInError:
    def render(self, **data: Any) -> str:
        form = AuditSearchForm({"username": "x", **data})
        form.is_valid()
        return render_to_string("core/includes/date_field.html", {"field": form["date_from"]})

    def test_each_box_of_a_date_in_error_has_the_error_border(self):
        html = self.render(date_from_0="31", date_from_1="2", date_from_2="2025")
        inputs = re.findall(r"<input [^>]*>", html)
        assert len(inputs) == 3
        assert all("govuk-input--error" in tag for tag in inputs)
        assert 'class="govuk-form-group govuk-form-group--error"' in html
        assert 'aria-describedby="id_date_from-error"' in html
        assert 'id="id_date_from-error"' in html
        assert 'id="id_date_from_0"' in html  # where the error summary links to

    def test_a_valid_date_has_no_error_border(self):
        html = self.render(date_from_0="28", date_from_1="2", date_from_2="2025")
        assert "govuk-input--error" not in html
        assert 'value="28"' in html and 'value="2025"' in html

    def test_the_audit_page_marks_the_boxes(self, auditor, client_for):
        body = (
            client_for(auditor)
            .get("/audit/", {"date_from_0": "aa", "date_from_1": "1", "date_from_2": "2025"})
            .content.decode()
        )
        boxes = re.findall(r'<input [^>]*id="id_date_from_\d"[^>]*>', body)
        assert len(boxes) == 3 and all("govuk-input--error" in box for box in boxes)
        assert all(
            "govuk-input--error" not in box
            for box in re.findall(r'<input [^>]*id="id_date_to_\d"[^>]*>', body)
        )
