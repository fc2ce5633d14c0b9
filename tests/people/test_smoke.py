import pytest

from tests.factories import CaseFactory


@pytest.mark.django_db
def test_crc_practitioner_sees_own_case_overview(crc_case, crc_practitioner, client_for):
    response = client_for(crc_practitioner).get(f"/cases/{crc_case.person.crn}/")
    assert response.status_code == 200
    assert crc_case.person.surname in response.content.decode()


@pytest.mark.django_db
def test_other_crc_is_refused(crc_case, other_crc_practitioner, client_for):
    response = client_for(other_crc_practitioner).get(f"/cases/{crc_case.person.crn}/")
    assert response.status_code == 404
    assert crc_case.person.surname not in response.content.decode()
    assert CaseFactory._meta.model.objects.count() == 1
