"""Access supervision (R7, REC-05): every look is logged; outsiders are refused until approved;
supervisors view at once."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.records.access import access_check
from zhifa.records.models import AccessLog
from zhifa.records.services import access_decide, access_request, evidence_add

from .conftest import png_bytes


@pytest.fixture
def photo(world):
    return evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="p.png",
                        declared_type="image/png", act="record_inspection", kind="photo", title="现场照片",
                        evidence_type="inspection_record")


def _look(world, who, photo):
    return access_check(case=world["case"], user=world[who], action="view", evidence=photo)


def test_team_and_supervisor_view_at_once_and_are_logged(world, photo):
    assert _look(world, "lead", photo).basis == "team"
    assert _look(world, "co", photo).basis == "team"
    assert _look(world, "supervisor", photo).basis == "supervisor"
    assert _look(world, "archivist", photo).basis == "agency_role"
    log = list(AccessLog.objects.order_by("id").values_list("user__username", "basis", "evidence_id", "action"))
    assert log == [("lead", "team", photo.pk, "view"), ("co", "team", photo.pk, "view"),
                   ("supervisor", "supervisor", photo.pk, "view"), ("archivist", "agency_role", photo.pk, "view")]


def test_outsider_is_refused_until_approved_then_within_the_window(world, photo):
    with pytest.raises(PermissionDeniedError) as exc:
        _look(world, "outsider", photo)
    assert exc.value.rule == "REC-05" and exc.value.code == "access_not_approved"
    assert AccessLog.objects.get().basis == "refused"  # the refusal is logged too
    with pytest.raises(DomainError):
        access_request(case=world["case"], actor=world["outsider"], reason="  ")
    req = access_request(case=world["case"], actor=world["outsider"], reason="案卷评查需要")
    with pytest.raises(PermissionDeniedError):  # still pending
        _look(world, "outsider", photo)
    with pytest.raises(PermissionDeniedError):  # an officer cannot approve
        access_decide(request=req, actor=world["lead"], approved=True)
    with pytest.raises(DomainError):  # a window beyond the setting is refused
        access_decide(request=req, actor=world["archivist"], approved=True,
                      valid_until=timezone.now() + dt.timedelta(days=90))
    grant = access_decide(request=req, actor=world["archivist"], approved=True,
                          valid_until=timezone.now() + dt.timedelta(days=2), note="同意调阅两日")
    with pytest.raises(Conflict):
        access_decide(request=req, actor=world["head"], approved=False)
    access = _look(world, "outsider", photo)
    assert access.basis == "grant" and access.grant == grant
    bases = list(AccessLog.objects.filter(user=world["outsider"]).order_by("id").values_list("basis", flat=True))
    assert bases == ["refused", "refused", "grant"]


def test_access_ends_with_the_window(world, photo):
    req = access_request(case=world["case"], actor=world["outsider"], reason="复议答复需要")
    access_decide(request=req, actor=world["head"], approved=True, valid_until=timezone.now() + dt.timedelta(seconds=1))
    assert _look(world, "outsider", photo).basis == "grant"
    time.sleep(1.2)
    with pytest.raises(PermissionDeniedError):
        _look(world, "outsider", photo)


def test_refused_request_gives_no_access(world, photo):
    req = access_request(case=world["case"], actor=world["outsider"], reason="了解情况")
    access_decide(request=req, actor=world["head"], approved=False, note="无正当理由")
    with pytest.raises(PermissionDeniedError):
        _look(world, "outsider", photo)


def test_the_log_cannot_be_rewritten(world, photo):
    _look(world, "lead", photo)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


def test_state_secret_is_not_lent_through_a_grant(world):
    secret = evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(color=(9, 9, 9)),
                          file_name="s.png", declared_type="image/png", act="x", kind="photo", title="图纸",
                          evidence_type="documentary", confidentiality="state_secret")
    req = access_request(case=world["case"], actor=world["outsider"], reason="评查")
    access_decide(request=req, actor=world["head"], approved=True)
    with pytest.raises(PermissionDeniedError) as exc:
        _look(world, "outsider", secret)
    assert exc.value.rule == "PEN-22"
    assert _look(world, "lead", secret).basis == "team"
    assert AccessLog.objects.filter(user=world["outsider"]).get().basis == "refused"
