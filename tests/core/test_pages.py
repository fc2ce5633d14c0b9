"""What a new user tripped on: date boxes marked in error, back links inside <main>, and dates in
words on the case pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from probation.core.forms_audit import AuditSearchForm
from probation.risk.models import Registration, TierCalculation

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


CASE_PAGES_WITH_BACK_LINKS = ["tier/", "registrations/", "assessment/new/", "sentences/new/"]


@pytest.mark.parametrize("page", CASE_PAGES_WITH_BACK_LINKS)
def test_back_links_are_inside_main(sentenced_case, court_officer, client_for, page):
    body = (
        client_for(court_officer).get(f"/cases/{sentenced_case.person.crn}/{page}").content.decode()
    )
    main = body.index('<main class="govuk-main-wrapper"')
    assert 'class="govuk-back-link' in body
    assert body.index('class="govuk-back-link') > main
    assert body.index('class="govuk-back-link') < body.index("</main>")


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SHORT_MONTH = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec) \d{4}\b")


def shown_text(body: str) -> str:
    """The page without attributes (a <time datetime> is for machines)."""
    return re.sub(r'\s[\w-]+="[^"]*"', "", body)


@pytest.mark.parametrize("page", ["", "tier/", "registrations/"])
def test_case_pages_show_dates_in_words(sentenced_case, court_officer, client_for, page):
    from probation.risk.services import tier_recompute

    Registration.objects.create(
        case=sentenced_case, kind="self_harm", registered_on=timezone.localdate().replace(day=1)
    )
    tier_recompute(case=sentenced_case, by_user=court_officer, trigger="test")
    body = (
        client_for(court_officer).get(f"/cases/{sentenced_case.person.crn}/{page}").content.decode()
    )
    text = shown_text(body)
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    assert not SHORT_MONTH.search(text), SHORT_MONTH.search(text)
    if page == "":
        assert "6 January 2025" in text  # the sentence date
        assert "17 May 1990" in text  # date of birth
    if page == "tier/":
        entry = TierCalculation.objects.get(case=sentenced_case)
        local = timezone.localtime(entry.calculated_at)
        assert f"{local.day} {local:%B %Y} at " in text


def test_my_cases_shows_dates_in_words(crc_case, crc_practitioner, client_for):
    text = shown_text(client_for(crc_practitioner).get("/cases/").content.decode())
    assert "17 May 1990" in text
    assert not ISO_DATE.search(text) and not SHORT_MONTH.search(text)
