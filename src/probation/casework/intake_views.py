"""Pages of the court intake journey (issue: allocation; docs/adr/0011-court-intake.md): the
court officer's home with today's hearings, then one short journey that adds a person from court
with their court event, offences and sentence, and submits it all at once.

Each step is its own page with a back link and a Continue button. What the officer entered is
kept server-side in the session, under one key for the journey (:data:`SESSION_KEY`), as the
form data of each step: going back, forward or reloading shows it again, and every step is
validated again, in order, before the check-your-answers page and before the submission. Their
URLs are listed at the bottom and included by ``probation/casework/urls.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from probation.casework import intake_selectors as reads
from probation.casework import services
from probation.casework.intake_forms import (
    NEW_PERSON,
    NO_REPORT,
    PREVIOUS_ORDER,
    ROSH_FIELDS,
    AddressForm,
    CourtForm,
    IntakeSentenceForm,
    MatchForm,
    OffencesForm,
    PersonForm,
    PreviousOrderForm,
    RiskForm,
    SubmitForm,
    offence_label,
)
from probation.core.audit import AuditAction, audit
from probation.core.errors import AlreadySubmitted, DomainError
from probation.core.submissions import new_submission_token
from probation.courts.models import REQUIREMENT_UNITS, Disposal, RequirementKind
from probation.courts.services import OffenceCharged
from probation.people.access import reads_audited, role_refused, signed_in_case_reader
from probation.people.models import Case, Sex
from probation.risk.models import ReportType, RoshLevel
from probation.workforce.models import RoleCode

INTAKE_ROLES = (RoleCode.COURT_OFFICER,)
SESSION_KEY = "court_intake"
DONE_KEY = "court_intake_done"
STEPS = ("person", "matches", "address", "court", "offences", "risk", "sentence", "previous")
TITLES = {
    "person": "Person's details",
    "matches": "Check for an existing record",
    "address": "Address",
    "court": "Court and hearing",
    "offences": "Offences",
    "risk": "Risk of serious harm",
    "sentence": "Sentence",
    "previous": "The order the person is already on",
}


def _court_officer_only(page: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Signed-in court officers only; anyone else gets the role refusal (audited, 403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @signed_in_case_reader
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not user.has_role(*INTAKE_ROLES):
                role_refused(user=user, page=page, path=request.path)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


# --- The court officer's home ------------------------------------------------------------------


@_court_officer_only("court home")
def court_home(request: HttpRequest) -> HttpResponse:
    """Today's hearings at the officer's courts, each linking to its case."""
    today = timezone.localdate()
    hearings = reads.hearings_on(for_user=request.user, day=today)
    reads_audited(
        user=request.user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "court hearings",
            "day": today.isoformat(),
            "crns": [event.case.person.crn for event in hearings],
        },
        path=request.path,
    )
    return render(
        request, "casework/intake/court_home.html", {"hearings": hearings, "today": today}
    )


# --- The journey's state -----------------------------------------------------------------------


class Journey:
    """The answers of one intake journey, kept in the session as each step's form data."""

    def __init__(self, request: HttpRequest) -> None:
        self.session = request.session
        stored = self.session.get(SESSION_KEY)
        self.data: dict[str, Any] = stored if isinstance(stored, dict) else {}

    def answers(self, step: str) -> MultiValueDict[str, Any] | None:
        stored = self.data.get("steps", {}).get(step)
        if not isinstance(stored, dict):
            return None
        return MultiValueDict({k: [str(v) for v in vs][:20] for k, vs in stored.items()})

    def save(self, step: str, post: Any, **extra: Any) -> None:
        steps = self.data.setdefault("steps", {})
        steps[step] = {
            key: [value[:200] for value in post.getlist(key)][:20]
            for key in list(post.keys())[:100]
            if key != "csrfmiddlewaretoken"
        }
        self.data.update(extra)
        self.session[SESSION_KEY] = self.data
        self.session.modified = True

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, **values: Any) -> None:
        self.data.update(values)
        self.session[SESSION_KEY] = self.data
        self.session.modified = True

    def clear(self) -> None:
        self.data = {}
        self.session.pop(SESSION_KEY, None)


@dataclass
class State:
    """The steps walked in order: each step's bound form, and where the journey stands."""

    forms: dict[str, Any] = field(default_factory=dict)
    applicable: list[str] = field(default_factory=list)
    first_incomplete: str | None = None
    matches: list[reads.Match] = field(default_factory=list)
    case: Case | None = None
    previous_orders: list[Any] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def cleaned(self, step: str) -> dict[str, Any]:
        form = self.forms.get(step)
        return form.cleaned_data if form is not None and form.is_valid() else {}


def _form(step: str, data: Any, state: State, user: Any) -> Any:
    """The form of ``step``, bound to ``data`` (or unbound), with what it needs from the steps
    before it."""
    person = state.cleaned("person")
    court = state.cleaned("court")
    if step == "person":
        return PersonForm(data)
    if step == "matches":
        state.matches = reads.likely_matches(
            for_user=user,
            forename=person["forename"],
            surname=person["surname"],
            date_of_birth=person["date_of_birth"],
            pnc_number=person["pnc_number"],
        )
        return MatchForm(
            data, matches=state.matches, pnc_taken=reads.pnc_taken(person["pnc_number"])
        )
    if step == "address":
        return AddressForm(data, areas=reads.contract_area_list())
    if step == "court":
        return CourtForm(data, courts=reads.court_list())
    if step == "risk":
        return RiskForm(data)
    chosen = state.context.get("court")
    if step == "offences":
        return OffencesForm(
            data,
            offences=reads.offence_list(),
            court_kind=chosen.kind if chosen else "",
            conviction_date=court.get("conviction_date"),
        )
    if step == "sentence":
        charged = state.context.get("charged", [])
        dates = [day for _offence, day in charged] + [court.get("conviction_date")]
        return IntakeSentenceForm(
            data,
            court_kind=chosen.kind if chosen else "crown",
            offence_modes=[offence.mode_of_trial for offence, _day in charged],
            earliest=max((d for d in dates if d is not None), default=None),
        )
    return PreviousOrderForm(data)


def _is_applicable(step: str, state: State) -> bool:
    if step == "address":
        return state.case is None
    if step == "previous":
        return bool(state.previous_orders)
    return True


def _after_valid(step: str, form: Any, state: State, user: Any) -> None:
    """What a valid step tells the steps after it."""
    if step == "matches":
        choice = form.cleaned_data["match"]
        if choice != NEW_PERSON:
            state.case = reads.case_for_intake(for_user=user, crn=choice)
            if state.case is not None:
                state.previous_orders = reads.active_orders_of(state.case)
    elif step == "court":
        state.context["court"] = reads.courts_by_id([int(form.cleaned_data["court"])]).get(
            int(form.cleaned_data["court"])
        )
    elif step == "offences":
        state.context["charged"] = form.charged()


def walk(journey: Journey, user: Any, *, upto: str | None = None) -> State:
    """Bind each step's stored answers in order, stopping at the first step that is missing or
    no longer valid (``first_incomplete``), or at ``upto``."""
    state = State()
    for step in STEPS:
        if not _is_applicable(step, state):
            continue
        state.applicable.append(step)
        if step == upto:
            return state
        answers = journey.answers(step)
        form = _form(step, answers, state, user)
        state.forms[step] = form
        if answers is None or not form.is_valid():
            state.first_incomplete = step
            return state
        _after_valid(step, form, state, user)
    return state


def _url(step: str) -> str:
    return reverse(f"casework:intake-{step}")


def _back(step: str, state: State) -> str:
    index = state.applicable.index(step) if step in state.applicable else 0
    if index == 0:
        return reverse("casework:court-home")
    return _url(state.applicable[index - 1])


def _next(step: str, journey: Journey, user: Any, *, change: bool) -> str:
    """Where Continue goes: the next step, or back to the check page when changing an answer
    and the journey is still complete."""
    state = walk(journey, user)
    if change and state.first_incomplete is None:
        return reverse("casework:intake-check")
    if state.first_incomplete is not None and state.first_incomplete != step:
        return _url(state.first_incomplete)
    following = STEPS[STEPS.index(step) + 1 :]
    for candidate in following:
        if candidate in state.applicable or _is_applicable(candidate, state):
            return _url(candidate)
    return reverse("casework:intake-check")


# --- The steps ---------------------------------------------------------------------------------


@_court_officer_only("court intake: start")
def intake_start(request: HttpRequest) -> HttpResponse:
    """Start a new intake: forget any answers of an earlier one."""
    Journey(request).clear()
    return redirect("casework:intake-person")


def _audit_matches(request: HttpRequest, state: State) -> None:
    person = state.cleaned("person")
    audit(
        request.user,
        AuditAction.INTAKE_DUPLICATES_CHECKED,
        details={
            "searched": {
                "forename": person.get("forename", ""),
                "surname": person.get("surname", ""),
                "date_of_birth": person.get("date_of_birth"),
                "pnc_number": person.get("pnc_number"),
            },
            "matches": [match.person.crn for match in state.matches],
        },
        path=request.path,
    )


def _step_page(request: HttpRequest, step: str) -> HttpResponse:
    user: Any = request.user
    journey = Journey(request)
    state = walk(journey, user, upto=step)
    if step not in state.applicable:
        done = walk(journey, user)
        return redirect(_url(done.first_incomplete) if done.first_incomplete else _url("check"))
    if state.first_incomplete is not None:
        return redirect(_url(state.first_incomplete))
    change = request.GET.get("change") == "1"
    if request.method == "POST":
        form = _form(step, request.POST, state, user)
        if form.is_valid():
            extra: dict[str, Any] = {}
            if step == "matches":
                _after_valid(step, form, state, user)
                extra["case_version"] = state.case.version if state.case else None
            journey.save(step, request.POST, **extra)
            return redirect(_next(step, journey, user, change=change))
    else:
        form = _form(step, journey.answers(step), state, user)
    if step == "matches" and request.method == "GET":
        _audit_matches(request, state)
    context = {
        "form": form,
        "step": step,
        "title": TITLES[step],
        "back": _back(step, state),
        "change": change,
        "matches": state.matches,
        "previous_orders": state.previous_orders,
        "case": state.case,
        "person": state.cleaned("person"),
    }
    return render(request, f"casework/intake/{step}.html", context)


def _step_view(step: str) -> Callable[[HttpRequest], HttpResponse]:
    @_court_officer_only(f"court intake: {TITLES[step].lower()}")
    def view(request: HttpRequest) -> HttpResponse:
        return _step_page(request, step)

    view.__name__ = f"intake_{step}"
    return view


# --- Check your answers, submit, confirmation --------------------------------------------------


def _summary(state: State) -> list[dict[str, Any]]:
    """The check-your-answers rows, one section a step: (label, value) pairs and the step."""
    sections: list[dict[str, Any]] = []
    person, court = state.cleaned("person"), state.cleaned("court")
    if state.case is not None:
        chosen = state.case.person
        rows = [("Existing record", f"{chosen.forename} {chosen.surname}, CRN {chosen.crn}")]
        sections.append({"step": "matches", "title": "Person", "rows": rows})
    else:
        rows = [
            ("Name", f"{person['forename']} {person['surname']}"),
            ("Date of birth", f"{person['date_of_birth']:%-d %B %Y}"),
            ("Sex", dict(Sex.choices)[person["sex"]]),
            ("PNC number", person["pnc_number"] or "Not given"),
        ]
        sections.append({"step": "person", "title": "Person", "rows": rows})
        sections.append(
            {
                "step": "matches",
                "title": "Existing records",
                "rows": [("Existing record", "None: this is a new person")],
            }
        )
        sections.append({"step": "address", "title": "Address", "rows": _address_rows(state)})
    chosen_court = state.context["court"]
    sections.append(
        {
            "step": "court",
            "title": "Court",
            "rows": [
                ("Court", f"{chosen_court.name} ({chosen_court.get_kind_display()})"),
                ("Date of the hearing", f"{court['hearing_date']:%-d %B %Y}"),
                ("Date of conviction", f"{court['conviction_date']:%-d %B %Y}"),
            ],
        }
    )
    offence_rows = [
        (
            "Main offence" if index == 0 else f"Other offence {index}",
            f"{offence_label(offence)}, committed {day:%-d %B %Y}",
        )
        for index, (offence, day) in enumerate(state.context["charged"])
    ]
    sections.append({"step": "offences", "title": "Offences", "rows": offence_rows})
    sections.append({"step": "risk", "title": "Risk of serious harm", "rows": _risk_rows(state)})
    sections.append({"step": "sentence", "title": "Sentence", "rows": _sentence_rows(state)})
    if "previous" in state.applicable:
        choice = dict(PREVIOUS_ORDER)[state.cleaned("previous")["previous"]]
        orders = ", ".join(str(order) for order in state.previous_orders)
        sections.append({"step": "previous", "title": "Previous order", "rows": [(orders, choice)]})
    for section in sections:
        section["url"] = f"{_url(section['step'])}?change=1"
    return sections


def _risk_rows(state: State) -> list[tuple[str, str]]:
    risk = state.cleaned("risk")
    if risk["report_type"] == NO_REPORT:
        return [("Pre-sentence report", "None")]
    levels = dict(RoshLevel.choices)
    return [
        (
            "Pre-sentence report",
            f"{dict(ReportType.choices)[risk['report_type']]}, {risk['assessed_on']:%-d %B %Y}",
        ),
        *[(label, levels[risk[name]]) for name, label in ROSH_FIELDS.items()],
    ]


def _assessment_of(risk: dict[str, Any]) -> services.PreSentenceAssessment | None:
    if risk["report_type"] == NO_REPORT:
        return None
    return services.PreSentenceAssessment(
        assessed_on=risk["assessed_on"],
        report_type=risk["report_type"],
        rosh_public=risk["rosh_public"],
        rosh_known_adult=risk["rosh_known_adult"],
        rosh_children=risk["rosh_children"],
        rosh_staff=risk["rosh_staff"],
    )


def _address_rows(state: State) -> list[tuple[str, str]]:
    address = state.cleaned("address")
    if address["fixed_abode"] != "yes":
        return [("Address", "No fixed abode")]
    areas = {str(area.pk): area.name for area in reads.contract_area_list()}
    return [
        ("Address", f"{address['line_1']}, {address['town']} {address['postcode']}"),
        ("Contract area", areas.get(address["contract_area"], "")),
    ]


def _sentence_rows(state: State) -> list[tuple[str, str]]:
    form = state.forms["sentence"]
    data = form.cleaned_data
    rows = [
        ("Sentence", dict(Disposal.choices)[data["disposal"]]),
        ("Date of sentence", f"{data['sentence_date']:%-d %B %Y}"),
        ("Length", f"{data['length_days']} days"),
    ]
    if data.get("suspended_for_days"):
        rows.append(("Suspended for", f"{data['suspended_for_days']} days"))
    if data.get("remand_days"):
        rows.append(("Days on remand", str(data["remand_days"])))
    names = dict(RequirementKind.choices)
    words = [
        f"{names[kind]}: {amount} {REQUIREMENT_UNITS[kind]}"
        if amount is not None and kind in REQUIREMENT_UNITS
        else names[kind]
        for kind, amount in form.requirements_entered()
    ]
    rows.append(("Requirements", "; ".join(words) or "None"))
    return rows


def _submit(request: HttpRequest, state: State, journey: Journey, token: str) -> Any:
    person, court, sentence = (
        state.cleaned("person"),
        state.cleaned("court"),
        state.forms["sentence"],
    )
    charged = [
        OffenceCharged(offence=offence, offence_date=day, is_main=index == 0)
        for index, (offence, day) in enumerate(state.context["charged"])
    ]
    new_person = None
    if state.case is None:
        address = state.cleaned("address")
        fixed = address["fixed_abode"] == "yes"
        new_person = services.NewPerson(
            forename=person["forename"],
            surname=person["surname"],
            date_of_birth=person["date_of_birth"],
            sex=person["sex"],
            pnc_number=person["pnc_number"],
            no_fixed_abode=not fixed,
            address=_address_of(address) if fixed else None,
        )
    data = sentence.cleaned_data
    return services.intake_submit(
        by_user=request.user,
        case=state.case,
        person=new_person,
        court=state.context["court"],
        hearing_date=court["hearing_date"],
        conviction_date=court["conviction_date"],
        offences=charged,
        assessment=_assessment_of(state.cleaned("risk")),
        disposal=data["disposal"],
        sentence_date=data["sentence_date"],
        length_days=data["length_days"],
        remand_days=data.get("remand_days") or 0,
        suspended_for_days=data.get("suspended_for_days"),
        requirements=sentence.requirements_entered(),
        previous_order=state.cleaned("previous").get("previous", "alongside"),
        expected_version=journey.get("case_version") if state.case is not None else None,
        submission_token=token,
    )


def _address_of(address: dict[str, Any]) -> dict[str, Any]:
    area = next(a for a in reads.contract_area_list() if str(a.pk) == address["contract_area"])
    return {
        "line_1": address["line_1"],
        "town": address["town"],
        "postcode": address["postcode"],
        "contract_area": area,
    }


@_court_officer_only("court intake: check your answers")
def intake_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, then submit: everything is recorded at once, or nothing."""
    journey = Journey(request)
    state = walk(journey, request.user)
    if state.first_incomplete is not None:
        return redirect(_url(state.first_incomplete))
    form = SubmitForm(request.POST or None, initial={"submission_token": new_submission_token()})
    if request.method == "POST" and form.is_valid():
        try:
            result = _submit(request, state, journey, form.cleaned_data["submission_token"])
        except AlreadySubmitted as error:
            messages.info(request, error.message)
            return redirect("casework:court-home")
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _remember_done(request, result)
            journey.clear()
            return redirect("casework:intake-done")
    context = {
        "form": form,
        "sections": _summary(state),
        "back": _url(state.applicable[-1]),
    }
    return render(request, "casework/intake/check.html", context)


def _remember_done(request: HttpRequest, result: services.IntakeResult) -> None:
    case = result.case
    sift = (
        reads.latest_sift(case) if result.sentence.disposal in services.SIFTED_AT_SENTENCE else None
    )
    request.session[DONE_KEY] = {
        "crn": case.person.crn,
        "name": f"{case.person.forename} {case.person.surname}",
        "created": result.created,
        "organisation": sift.organisation.name if sift else "",
        "reasons": [reason[1] for reason in sift.reasons] if sift else [],
        "ended": [str(order) for order in result.ended],
    }


@_court_officer_only("court intake: confirmation")
def intake_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get(DONE_KEY)
    if not isinstance(done, dict):
        return redirect("casework:court-home")
    return render(request, "casework/intake/done.html", {"done": done})


urlpatterns: list[URLPattern] = [
    path("court/", court_home, name="court-home"),
    path("court/intake/start/", intake_start, name="intake-start"),
    *[path(f"court/intake/{step}/", _step_view(step), name=f"intake-{step}") for step in STEPS],
    path("court/intake/check/", intake_check, name="intake-check"),
    path("court/intake/done/", intake_done, name="intake-done"),
]
