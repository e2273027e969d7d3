"""`zhifa api-token create` prints the token once; the token then works against the API."""

import io

import pytest
from django.core.management import CommandError, call_command

from zhifa.org.models import ApiToken

pytestmark = pytest.mark.django_db


def test_api_token_create_and_use(world, client):
    out = io.StringIO()
    call_command("api_token", "create", "--name", "省级监督平台", "--scopes", "org:read,org:write",
                 "--user", world["actor"].username, stdout=out)
    plaintext = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(name="省级监督平台")
    assert token.scopes == ["org:read", "org:write"]
    assert plaintext not in token.token_hash and plaintext.startswith(token.prefix)
    resp = client.get("/api/v1/org/certificates", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert resp.status_code == 200 and resp.json()[0]["number"] == "JC0001"
    resp = client.post(f"/api/v1/org/certificates/{world['cert'].pk}/suspend", {"reason": "接受调查"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert resp.status_code == 200
    from zhifa.ledger.models import Entry
    assert Entry.objects.order_by("-seq").first().actor == world["actor"].username  # answerable person
    call_command("api_token", "revoke", "--prefix", token.prefix, stdout=io.StringIO())
    assert client.get("/api/v1/org/certificates", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_api_token_bad_input_is_a_command_error(world):
    with pytest.raises(CommandError, match="权限范围"):
        call_command("api_token", "create", "--name", "x", "--scopes", "everything", stdout=io.StringIO())
    with pytest.raises(CommandError, match="未找到"):
        call_command("api_token", "create", "--name", "x", "--scopes", "org:read", "--agency", "nope",
                     stdout=io.StringIO())


def test_openapi_schema_lists_the_org_routes(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/public/certificates/{number}" in paths
    assert "/api/v1/org/certificates/{cert_id}/suspend" in paths
    assert "delete" not in paths["/api/v1/org/officers/{officer_id}"]
