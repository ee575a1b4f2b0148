"""The S3 backend: files as objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage …) through boto3.

Configured by ``FLASK_STORAGE_S3_BUCKET``, ``…_ENDPOINT_URL`` (empty: AWS), ``…_REGION``,
``…_ACCESS_KEY_ID``/``…_SECRET_ACCESS_KEY`` (empty: boto3's usual chain, e.g. an instance role) and ``…_PREFIX``
(prepended to every key, so that one bucket can hold several sites). One client per process (boto3 clients are
thread-safe), made on first use.
"""

from datetime import datetime

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import current_app

_CLIENTS: dict[tuple, object] = {}


def _settings() -> tuple:
    c = current_app.config
    return (c.get("STORAGE_S3_ENDPOINT_URL") or None, c.get("STORAGE_S3_REGION") or None,
            c.get("STORAGE_S3_ACCESS_KEY_ID") or None, c.get("STORAGE_S3_SECRET_ACCESS_KEY") or None)  # fmt: skip


def _client():
    settings = _settings()
    client = _CLIENTS.get(settings)
    if client is None:
        endpoint, region, key_id, secret = settings
        config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3})
        client = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id,
                              aws_secret_access_key=secret, config=config)  # fmt: skip
        _CLIENTS[settings] = client
    return client


def _bucket() -> str:
    return current_app.config["STORAGE_S3_BUCKET"]


def _key(key: str) -> str:
    return (current_app.config.get("STORAGE_S3_PREFIX") or "") + key


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def put(key: str, data: bytes) -> None:
    """Upload ``data`` as the object ``key``."""
    _client().put_object(Bucket=_bucket(), Key=_key(key), Body=data, ContentType="application/octet-stream")


def get(key: str) -> tuple[bytes, str, datetime] | None:
    """Bytes, ETag and time of the object ``key``, or None."""
    try:
        answer = _client().get_object(Bucket=_bucket(), Key=_key(key))
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    with answer["Body"] as body:
        data = body.read()
    return data, answer["ETag"].strip('"'), answer["LastModified"]


def head(key: str) -> tuple[str, datetime] | None:
    """ETag and time of the object ``key`` (HEAD, not its bytes), or None."""
    try:
        answer = _client().head_object(Bucket=_bucket(), Key=_key(key))
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    return answer["ETag"].strip('"'), answer["LastModified"]


def exists(key: str) -> bool:
    """Whether the object ``key`` exists."""
    try:
        _client().head_object(Bucket=_bucket(), Key=_key(key))
    except ClientError as exc:
        if _missing(exc):
            return False
        raise
    return True


def delete(key: str) -> bool:
    """Delete the object ``key``; True if it existed (S3 has no atomic take: two at once may both see it)."""
    if not exists(key):
        return False
    _client().delete_object(Bucket=_bucket(), Key=_key(key))
    return True


def older_than(prefix: str, cutoff: datetime) -> list[str]:
    """Keys under ``prefix`` last written before ``cutoff``."""
    strip = len(current_app.config.get("STORAGE_S3_PREFIX") or "")
    keys = []
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=_key(prefix)):
        keys += [item["Key"][strip:] for item in page.get("Contents", ()) if item["LastModified"] < cutoff]
    return keys
