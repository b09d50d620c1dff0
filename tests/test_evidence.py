"""Evidence packs: a zip a third party can check with sha256sum alone."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage import version_store
from storage.db import open_session
from storage.models import Blob
from tests.support.cli import Cli
from tests.test_search import NG206, NG206_VERSIONS, build_history, page_bytes


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """The command line on a database holding the test history."""
    build_history(engine)
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("GUIDEWATCH_DATABASE_URL", url)
    return Cli(capsys)


def _unpack(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(into)
    folders = {name.split("/", 1)[0] for name in names}
    assert len(folders) == 1, names
    return into / folders.pop()


def _sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--strict", "-c", "MANIFEST.sha256"],
        cwd=folder,
        capture_output=True,
        text=True,
    )


def test_pack_verifies_with_sha256sum_and_ties_hashes_to_the_records(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "ng206-v1.zip"
    reply = cli.ok_json("evidence", NG206, "--version", "1", "--out", str(out))
    folder = _unpack(out, tmp_path / "unpacked")
    assert folder.name == f"{NG206}-v1"

    checked = _sha256sum_check(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 7
    lines = (folder / "MANIFEST.sha256").read_text().splitlines()
    manifest = {name: sha for sha, name in (line.split("  ", 1) for line in lines)}
    assert manifest == reply["files"]
    assert set(manifest) == {
        "README.txt",
        "fetches.json",
        "raw/body.html",
        "response.json",
        "sections.json",
        "text.txt",
        "version.json",
    }

    version = json.loads((folder / "version.json").read_text())
    raw = (folder / "raw/body.html").read_bytes()
    assert raw == page_bytes(NG206_VERSIONS[0][2])  # the bytes as served
    assert hashlib.sha256(raw).hexdigest() == version["body_sha256"]
    hashed = hashlib.sha256((folder / "sections.json").read_bytes()).hexdigest()
    assert hashed == version["text_sha256"]
    assert version["first_seen_at"].startswith("2021-10-29")
    assert version["last_seen_at"].startswith("2022-12-31")

    fetches = json.loads((folder / "fetches.json").read_text())
    assert [f["outcome"] for f in fetches] == ["new_version", "unchanged"]
    assert {f["body_sha256"] for f in fetches} == {version["body_sha256"]}
    response = json.loads((folder / "response.json").read_text())
    assert response["status"] == 200
    assert response["headers"]["content-type"] == "text/html; charset=utf-8"

    sections = json.loads((folder / "sections.json").read_text())
    assert [s[0] for s in sections] == ["1.11.13", "1.11.14"]
    plain = (folder / "text.txt").read_text()
    assert "such as the Lightning Process" in plain and "## [1.11.14]" in plain
    assert "sha256sum -c MANIFEST.sha256" in (folder / "README.txt").read_text()


def test_tampering_is_caught_by_the_manifest(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "pack.zip"
    assert cli.run("evidence", NG206, "--version", "1", "--out", str(out))[0] == 0
    folder = _unpack(out, tmp_path / "unpacked")
    text = folder / "text.txt"
    text.write_text(text.read_text().replace("Do not offer", "Offer"))
    checked = _sha256sum_check(folder)
    assert checked.returncode != 0
    assert "text.txt: FAILED" in checked.stdout


def test_same_version_gives_the_same_zip(cli: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert cli.run("evidence", NG206, "--version", "2", "--out", str(first))[0] == 0
    assert cli.run("evidence", NG206, "--version", "2", "--out", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    newest = tmp_path / "newest.zip"
    assert cli.run("evidence", NG206, "--out", str(newest))[0] == 0
    with zipfile.ZipFile(newest) as opened:
        assert f"{NG206}-v3/version.json" in opened.namelist()


def test_damaged_store_refuses_to_make_a_pack(cli: Cli, engine: Engine, tmp_path: Path) -> None:
    with open_session(engine) as session:
        version = version_store.get_version(session=session, document_id=NG206, number=1)
        assert version is not None
        blob = session.get(Blob, version.body_sha256)
        assert blob is not None
        blob.data = zlib.compress(b"<html>something else</html>")
        session.add(blob)
        session.commit()
    out = tmp_path / "pack.zip"
    status, _, err = cli.run("evidence", NG206, "--version", "1", "--out", str(out))
    assert status == 2 and "does not match its SHA-256" in err
    assert not out.exists()
    status, _, err = cli.run("evidence", NG206, "--version", "9", "--out", str(out))
    assert status == 2 and "no version 9" in err
