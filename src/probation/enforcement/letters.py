"""The warning letter: written from the case record when the warning is issued, kept on the
warning as issued, and shown as a printable page or a PDF (``docs/domain/enforcement.md``, "The
warning rule": the letter tells the person that the failure is unacceptable and that another
failure within 12 months may take them back to court).

The text is plain (one paragraph a line) so that it is stored, audited and put in a breach's
evidence pack exactly as sent; the HTML and the PDF are made from that stored text, never
rewritten from the case record afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from probation.core.limits import date_in_words
from probation.courts.models import Sentence
from probation.enforcement.models import WarningLetter
from probation.people.models import Case
from probation.rules.dates import add_months
from probation.rules.enforcement import WARNING_MONTHS
from probation.supervision.models import Contact, Outcome

_WHAT_HAPPENED = {
    Outcome.UNACCEPTABLE_ABSENCE: (
        "you did not attend your {kind} on {day}{where}, and you have not given an acceptable "
        "reason for missing it"
    ),
    Outcome.ATTENDED_FAILED_TO_COMPLY: (
        "you attended your {kind} on {day}{where} but did not comply with what was required of you"
    ),
}


def _order_words(sentence: Sentence) -> str:
    event = sentence.court_event
    court = event.court.name if event is not None else "the court"
    return (
        f"the {sentence.get_disposal_display().lower()} made by {court} on "
        f"{date_in_words(sentence.sentence_date)}"
    )


def warning_letter_text(
    *, case: Case, sentence: Sentence, failure: Contact, officer: Any, issued_on: dt.date
) -> str:
    """The letter for ``failure``, from the case record, as the person will read it."""
    person = case.person
    failure_day = timezone.localdate(failure.starts_at)  # the day in Europe/London
    where = f" at {failure.location}" if failure.location else ""
    happened = _WHAT_HAPPENED.get(
        Outcome(failure.outcome), "you did not comply with your order on {day}{where}"
    ).format(
        kind=failure.get_contact_type_display().lower(),
        day=date_in_words(failure_day),
        where=where,
    )
    until = add_months(issued_on, WARNING_MONTHS)
    organisation = case.responsible_organisation
    officer_name = str(officer) if officer is not None else "Your probation officer"
    return "\n".join(
        [
            f"{person.forename} {person.surname}",
            f"Case reference: {person.crn}",
            f"Date: {date_in_words(issued_on)}",
            "",
            "Warning: failure to comply with your order",
            "",
            f"Dear {person.forename} {person.surname},",
            "",
            f"You are under {_order_words(sentence)}. On {date_in_words(failure_day)} {happened}.",
            "",
            "This is unacceptable. This letter is your formal warning.",
            "",
            f"If you fail to comply with your order again within 12 months of this warning, "
            f"that is on or before {date_in_words(until)}, you will be referred for breach and "
            f"may be taken back to court. The court may then make your order more demanding, "
            f"fine you, or end your order and sentence you again, which may mean prison.",
            "",
            "If there was a reason you could not attend or comply that you have not told us, "
            "contact your probation officer straight away.",
            "",
            "Yours sincerely,",
            "",
            officer_name,
            f"{organisation}",
        ]
    )


def warning_letter_html(warning: WarningLetter, *, printable: bool = True) -> str:
    """The stored letter as a standalone HTML page (for printing and for the PDF)."""
    return render_to_string(
        "enforcement/warning_letter.html",
        {"warning": warning, "paragraphs": warning.letter.split("\n\n"), "printable": printable},
    )


def warning_letter_pdf(warning: WarningLetter) -> bytes:
    """The stored letter as a PDF (WeasyPrint; no external resources are fetched)."""
    from weasyprint import HTML  # imported late: it is slow to import and only needed here

    def no_fetch(url: str) -> dict[str, Any]:
        raise ValueError(f"The letter loads no external resources ({url[:40]})")

    pdf = HTML(string=warning_letter_html(warning), url_fetcher=no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
