"""The S3 store (django-storages) against a moto server on loopback: each object is written once
under its hash, and verify names a changed or missing object (issue 6 item 3)."""

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from zhifa.core.filestore import filestore_put
from zhifa.ledger.verify import ledger_verify
from zhifa.records.services import evidence_add

from .conftest import VIDEO_META, mp4_bytes

BUCKET = "zhifa-evidence"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint):
    creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=moto_endpoint, **creds)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "endpoint_url": moto_endpoint, "access_key": "test", "secret_key": "test",
            "region_name": "us-east-1", "file_overwrite": False}},
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_s3_write_once_under_the_hash(s3):
    a = filestore_put(b"evidence bytes" * 1000)
    first = s3.head_object(Bucket=BUCKET, Key=a.name)
    b = filestore_put(b"evidence bytes" * 1000)
    assert a == b and _keys(s3) == [a.name] and a.name.startswith("cas/")
    assert s3.head_object(Bucket=BUCKET, Key=a.name)["LastModified"] == first["LastModified"]  # not rewritten


def test_s3_evidence_is_verified_and_tampering_named(world, s3):
    ev = evidence_add(case=world["case"], actor=world["lead"], source=mp4_bytes(), file_name="v.mp4",
                      declared_type="video/mp4", **VIDEO_META)
    assert _keys(s3) == [ev.file]
    assert ledger_verify().ok
    s3.put_object(Bucket=BUCKET, Key=ev.file, Body=b"spliced")
    problems = ledger_verify().problems
    assert any(ev.file in p["message"] and "已被改动" in p["message"] for p in problems)
    s3.delete_object(Bucket=BUCKET, Key=ev.file)
    problems = ledger_verify().problems
    assert any(ev.file in p["message"] and "已缺失" in p["message"] for p in problems)
