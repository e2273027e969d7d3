"""A proof fetched from the public API verifies with the standalone, standard-library verifier."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from zhifa.ledger import keys
from zhifa.ledger.services import ledger_append, tree_head_sign

pytestmark = pytest.mark.django_db
TOOL = Path(__file__).resolve().parents[4] / "tools" / "verify_proof.py"


@pytest.fixture
def signed_log():
    if not keys.key_path().exists():
        keys.generate()
    with transaction.atomic():
        for i in range(1, 8):
            ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{i}", payload={"当事人": f"某公司{i}"})
    return tree_head_sign()


def _run_tool(proof: dict) -> subprocess.CompletedProcess:
    # /usr/bin/python3 where present: a plain interpreter, nothing of ours installed.
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    return subprocess.run([python, str(TOOL), "-"], input=json.dumps(proof), capture_output=True, text=True,
                          timeout=60)


def test_head_and_proof_verify_with_the_standalone_tool(client, signed_log):
    head = client.get("/api/v1/public/ledger/head").json()
    assert head["size"] == 7 and head["root_hash"] == signed_log.root_hash
    for n in (1, 4, 7):
        r = client.get("/api/v1/public/ledger/proof", {"entry": n})
        assert r.status_code == 200
        result = _run_tool(r.json())
        assert result.returncode == 0, result.stdout
        assert "验证通过" in result.stdout


@pytest.mark.parametrize("tamper", ["content", "path", "signature", "root"])
def test_a_tampered_proof_fails(client, signed_log, tamper):
    proof = client.get("/api/v1/public/ledger/proof", {"entry": 3}).json()
    if tamper == "content":
        proof["entry"]["leaf_data"] = proof["entry"]["leaf_data"].replace("某公司3", "某公司9")
    elif tamper == "path":
        p = proof["proof"]["audit_path"][0]
        proof["proof"]["audit_path"][0] = ("0" if p[0] != "0" else "1") + p[1:]
    elif tamper == "signature":
        s = proof["tree_head"]["signature"]
        proof["tree_head"]["signature"] = s[:-2] + ("00" if s[-2:] != "00" else "01")
    else:
        proof["tree_head"]["root_hash"] = "ab" * 32
    result = _run_tool(proof)
    assert result.returncode == 1 and "验证失败" in result.stdout


def test_consistency_between_two_sizes(client, signed_log):
    from zhifa.ledger import merkle

    body = client.get("/api/v1/public/ledger/consistency", {"from": 3, "to": 7}).json()
    assert body["second_root"] == signed_log.root_hash
    assert merkle.verify_consistency(3, 7, bytes.fromhex(body["first_root"]), bytes.fromhex(body["second_root"]),
                                     [bytes.fromhex(h) for h in body["proof"]], signed_log.hash_name)


def test_bad_parameters_answer_in_chinese(client, signed_log):
    r = client.get("/api/v1/public/ledger/proof", {"entry": 99})
    assert r.status_code == 404 and r.json()["fields"] == {"entry": "不存在"}
    assert client.get("/api/v1/public/ledger/proof", {"entry": 0}).status_code == 400
    assert client.get("/api/v1/public/ledger/proof", {"entry": "abc"}).status_code == 422
    r = client.get("/api/v1/public/ledger/consistency", {"from": 5, "to": 2})
    assert r.status_code == 400 and "from" in r.json()["fields"]


def test_entry_after_the_latest_head_is_refused_until_signed(client, signed_log):
    with transaction.atomic():
        ledger_append(kind="case_filed", actor=None, subject="cases.case:8")
    assert client.get("/api/v1/public/ledger/proof", {"entry": 8}).status_code == 409
    tree_head_sign()
    assert _run_tool(client.get("/api/v1/public/ledger/proof", {"entry": 8}).json()).returncode == 0


def test_transparency_page(client, signed_log):
    r = client.get("/ledger/")
    assert r.status_code == 200
    assert signed_log.root_hash in r.content.decode()


def test_the_verifier_is_downloadable_from_the_portal(client):
    r = client.get("/ledger/verify_proof.py")
    assert r.status_code == 200
    assert b"def ed25519_verify" in b"".join(r.streaming_content)
