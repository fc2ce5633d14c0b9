"""Whatever a client sends to a form or an API endpoint, the answer is never a 5xx.

Hypothesis generates hostile values (any Unicode including NUL and control characters, very
long strings, numbers where text is expected) for every field of every form and every query
parameter of the API.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999999",
            "1e309",
            "NaN",
            "%00",
            "'; --",
            "<b>",
            "X123456",
            "2012/0123456Y",
        ]
    ),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FORM_FIELDS = {
    "/search/": ("get", ["q", "page"]),
    "/audit/": (
        "get",
        [
            "crn",
            "username",
            "date_from_0",
            "date_from_1",
            "date_from_2",
            "date_to_0",
            "date_to_1",
            "date_to_2",
            "page",
        ],
    ),
    "/cases/": ("get", ["page"]),
    "/cases/{crn}/assessment/new/": (
        "post",
        [
            "assessed_on_0",
            "assessed_on_1",
            "assessed_on_2",
            "report_type",
            "rosh_public",
            "rosh_known_adult",
            "rosh_children",
            "rosh_staff",
            "mappa_category",
            "mappa_level",
            "rsr",
            "registrations",
            "need__drugs__injecting",
            "parenting_responsibilities",
        ],
    ),
    "/cases/{crn}/registrations/": ("post", ["kind", "notes"]),
    "/cases/{crn}/sentences/new/": (
        "post",
        [
            "disposal",
            "sentence_date_0",
            "sentence_date_1",
            "sentence_date_2",
            "length_days",
            "remand_days",
            "requirements",
        ],
    ),
}


@pytest.fixture
def everyone(db):
    return UserFactory(
        organisation=organisation("NPS"),
        roles=["practitioner", "court_officer", "auditor", "allocating_manager"],
    )


@pytest.mark.parametrize("path", sorted(FORM_FIELDS))
def test_forms_never_answer_5xx(path, everyone, sentenced_case, client_for):
    method, fields = FORM_FIELDS[path]
    client = client_for(everyone)
    url = path.format(crn=sentenced_case.person.crn)

    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, hostile_text)))
    def check(data):
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (url, data)

    check()


API_PARAMS = {
    "/api/v1/cases/": ["officer", "status", "contract_area", "limit", "offset"],
    "/api/v1/persons/": ["q", "limit", "offset"],
}


@pytest.mark.parametrize("path", sorted(API_PARAMS))
def test_api_lists_never_answer_5xx(path, everyone, sentenced_case, client_for):
    client = client_for(everyone)

    @FUZZ
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(API_PARAMS[path], hostile_text)))
    def check(params):
        assert client.get(path, params).status_code < 500, params

    check()


@pytest.mark.parametrize("path", ["ogrs3", "tier", "custody-dates"])
def test_calculators_never_answer_5xx(path, everyone, client_for):
    client = client_for(everyone)
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text),
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=20), children, max_size=4),
        max_leaves=10,
    )
    keys = [
        "sex",
        "date_of_birth",
        "conviction_date",
        "follow_up_start",
        "total_sanctions",
        "first_sanction_age",
        "offence_category",
        "rsr",
        "ogrs",
        "rosh",
        "mappa_level",
        "complexity_factors",
        "sentences",
        "needs",
        "sentence_date",
        "length_days",
        "remand_days",
        "offence_date",
        "extended",
    ]

    @FUZZ
    @given(st.dictionaries(st.sampled_from(keys), json_values, max_size=8))
    def check(body):
        response = client.post(f"/api/v1/calculators/{path}", body, content_type="application/json")
        assert response.status_code < 500, body

    check()
