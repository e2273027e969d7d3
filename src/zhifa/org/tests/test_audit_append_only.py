import pytest
from django.db import DatabaseError, connection, transaction

from zhifa.core.append_only import AppendOnlyError
from zhifa.org.models import AuthEvent

pytestmark = pytest.mark.django_db


def test_auth_events_cannot_be_changed_or_deleted():
    event = AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_FAILED, username="someone")
    with pytest.raises(AppendOnlyError):
        AuthEvent.objects.filter(pk=event.pk).update(kind=AuthEvent.Kind.LOGIN)
    for sql in ("UPDATE org_authevent SET username = 'x'", "DELETE FROM org_authevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuthEvent.objects.get(pk=event.pk).username == "someone"
