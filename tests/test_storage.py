"""The file store (plenary/storage): the database backend on SQLite and PostgreSQL, the S3 backend against a real
S3-compatible server on loopback (moto's ThreadedMotoServer), serving from it, and moving old files in."""

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

import pytest

from plenary import create_app, storage
from plenary.events.documents import new_document_name, store_document
from plenary.extensions import db
from tests.helpers import count_queries, stored_keys

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
S3_PORT = 5610


def _exercise_backend() -> None:
    """put/get/exists/delete/older_than behave as documented, whatever the backend."""
    assert storage.get("documents/none.pdf") is None and not storage.exists("documents/none.pdf")
    storage.put("documents/a.pdf", PDF)
    storage.put("imports/b.json", b"{}")
    db.session.commit()
    found = storage.get("documents/a.pdf")
    assert found.data == PDF and found.etag and found.modified.tzinfo is not None
    assert storage.exists("documents/a.pdf")
    storage.put("documents/a.pdf", PDF + b"2")  # replaces
    db.session.commit()
    again = storage.get("documents/a.pdf")
    assert again.data == PDF + b"2" and again.etag != found.etag
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert storage.older_than("documents/", later) == ["documents/a.pdf"]
    assert storage.older_than("documents/", datetime.now(UTC) - timedelta(minutes=5)) == []
    assert storage.older_than("imp", later) == ["imports/b.json"]
    assert storage.delete("documents/a.pdf") is True
    assert storage.delete("documents/a.pdf") is False  # only one of two deletes takes it
    db.session.commit()
    assert storage.get("documents/a.pdf") is None


def test_the_database_backend(app):
    _exercise_backend()


def test_a_document_is_one_query_to_serve_with_its_headers_and_conditional_get(app, client):
    name = store_document(PDF)
    db.session.commit()
    with count_queries() as queries:
        response = client.get(f"/documents/{name}.pdf")
    assert response.status_code == 200 and response.data == PDF
    assert len(queries.statements) == 2  # the file, the title of the item that shows it
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    with count_queries() as queries:
        again = client.get(f"/documents/{name}.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    assert again.headers["Cache-Control"] == response.headers["Cache-Control"]
    # The client's copy is current: its validators are read, never the file's bytes.
    assert not [s for s in queries.statements if "stored_file.data" in s] and len(queries.statements) == 2
    since = response.headers["Last-Modified"]
    assert client.get(f"/documents/{name}.pdf", headers={"If-Modified-Since": since}).status_code == 304
    stale = client.get(f"/documents/{name}.pdf", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200 and stale.data == PDF
    assert client.get(f"/documents/{new_document_name()}.pdf").status_code == 404


def test_an_unknown_backend_or_an_s3_backend_without_bucket_refuses_to_start(tmp_path):
    base = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(RuntimeError, match="FLASK_STORAGE_BACKEND must be one of database, s3"):
        create_app({**base, "STORAGE_BACKEND": "disk"}, instance_path=str(tmp_path))
    with pytest.raises(RuntimeError, match="FLASK_STORAGE_S3_BUCKET"):
        create_app({**base, "STORAGE_BACKEND": "s3"}, instance_path=str(tmp_path))


def test_old_files_on_disk_are_moved_into_the_store(app, runner, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    name, day, badge = new_document_name(), new_document_name(), "B" * 43
    for folder, filename in (("documents", f"{name}.pdf"), ("plenary_documents", f"{day}.pdf"),
                             ("badges", f"{badge}.pdf"), ("documents", "not-ours.pdf")):  # fmt: skip
        os.makedirs(os.path.join(app.instance_path, folder), exist_ok=True)
        with open(os.path.join(app.instance_path, folder, filename), "wb") as fh:
            fh.write(PDF)
    result = runner.invoke(args=["storage", "import-files"])
    assert result.exit_code == 0, result.output
    assert "3 file(s) moved into the store (database), 0 already there." in result.output
    assert stored_keys("") == sorted([f"documents/{name}.pdf", f"plenary_documents/{day}.pdf", f"badges/{badge}.pdf"])
    assert os.listdir(os.path.join(app.instance_path, "documents")) == ["not-ours.pdf"]  # only our names moved
    assert app.test_client().get(f"/documents/{name}.pdf").data == PDF
    assert "0 file(s) moved" in runner.invoke(args=["storage", "import-files"]).output  # once is enough


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible HTTP server on loopback (moto), for this module."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] (requirements-dev.txt) is not installed")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", S3_PORT)) == 0:
            pytest.fail(f"port {S3_PORT} is taken")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{S3_PORT}"
    server.stop()


@pytest.fixture
def s3_app(make_app, s3_server):
    """An app storing its files in a fresh bucket of the S3 server."""
    import boto3

    bucket = f"plenary-{secrets.token_hex(8)}"
    settings = {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": bucket, "STORAGE_S3_ENDPOINT_URL": s3_server,
                "STORAGE_S3_REGION": "eu-central-1", "STORAGE_S3_ACCESS_KEY_ID": "test",
                "STORAGE_S3_SECRET_ACCESS_KEY": "test", "STORAGE_S3_PREFIX": "site-a/"}  # fmt: skip
    boto3.client("s3", endpoint_url=s3_server, region_name="eu-central-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})  # fmt: skip
    app = make_app(**settings)
    with app.app_context():
        yield app


def test_the_s3_backend(s3_app):
    _exercise_backend()
    import boto3

    config = s3_app.config
    raw = boto3.client("s3", endpoint_url=config["STORAGE_S3_ENDPOINT_URL"], region_name="eu-central-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    storage.put("badges/x.pdf", PDF)
    listed = raw.list_objects_v2(Bucket=config["STORAGE_S3_BUCKET"])["Contents"]
    # Under the prefix, in the bucket; nothing in the database's table.
    assert [item["Key"] for item in listed] == ["site-a/badges/x.pdf", "site-a/imports/b.json"]
    assert stored_keys("") == ["badges/x.pdf", "imports/b.json"]
    assert db.session.execute(db.text("SELECT count(*) FROM stored_file")).scalar() == 0


def test_documents_are_served_from_s3_with_their_headers(s3_app):
    name = store_document(PDF)
    client = s3_app.test_client()
    response = client.get(f"/documents/{name}.pdf")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert client.get(f"/documents/{name}.pdf", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get(f"/documents/{new_document_name()}.pdf").status_code == 404
