import pytest

from zhifa.catalog import services

pytestmark = pytest.mark.django_db


def test_hearing_right_uses_configured_large_amount(agency, admin_user):
    reasons, _ = services.hearing_right(agency=agency, party_is_person=True, penalty_types=["fine"], fine_amount=10000)
    assert len(reasons) == 1 and "PEN-30" in reasons[0]  # SAMR default 10,000 inclusive
    assert services.hearing_right(agency=agency, party_is_person=True, penalty_types=["fine"], fine_amount=9999)[0] == []
    assert services.hearing_right(agency=agency, party_is_person=False, penalty_types=["fine"],
                                  fine_amount=99999)[0] == []
    services.setting_set(key="hearing_fine_person", value=5000, agency=agency, actor=admin_user)
    assert services.hearing_right(agency=agency, party_is_person=True, penalty_types=["fine"], fine_amount=6000)[0]
    reasons, warnings = services.hearing_right(agency=agency, party_is_person=False,
                                               penalty_types=["revoke_licence", "suspend_licence"])
    assert len(reasons) == 1 and len(warnings) == 1


def test_simple_procedure_thresholds(agency):
    assert services.simple_procedure_allowed(agency=agency, party_is_person=True, penalty_types=["fine"],
                                             fine_amount=200)[0]
    assert not services.simple_procedure_allowed(agency=agency, party_is_person=True, penalty_types=["fine"],
                                                 fine_amount=201)[0]
    assert services.simple_procedure_allowed(agency=agency, party_is_person=False, penalty_types=["fine"],
                                             fine_amount=3000)[0]
    assert services.simple_procedure_allowed(agency=agency, party_is_person=False, penalty_types=["warning"])[0]
    assert not services.simple_procedure_allowed(agency=agency, party_is_person=False,
                                                 penalty_types=["confiscate_gains"])[0]
