"""Backup and restore (issue 17): a database in use is backed up with its attachments; restored
elsewhere, every case, every event of its history and every notice hash is there, unchanged."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from foi_workflow.services import attachments, views
from foi_workflow.storage import backup as B
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseRow

from . import factories as f
from .cli import foi
from .test_case_store import AGENCY, TODAY, office  # noqa: F401  (fixture)

D = dt.date


@pytest.fixture
def restore_url(db_url: str, tmp_path):
    """Where to restore: a new SQLite file, or a new empty PostgreSQL database beside the test's."""
    if not db_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'restored' / 'foi.sqlite3'}"
        return
    u = make_url(db.database_url(db_url))
    name = f"{u.database}_restore"
    admin = create_engine(u, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = u.set(database=name).render_as_string(hide_password=False)
    yield target
    db.get_engine(target).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _busy(url: str, stop: threading.Event, made: list[str]) -> None:
    """Staff registering and stepping cases while the backup runs."""
    while not stop.is_set():
        r = f.register(url, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
        f.step(url, r.case_no, "acknowledge", "c1", D(2026, 6, 1), today=TODAY)
        made.append(r.case_no)


def test_a_busy_database_backs_up_and_restores_with_every_case_event_and_notice_hash(office, tmp_path, restore_url):
    files = tmp_path / "files"
    cases_before = [f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY).case_no
                    for _ in range(3)]
    f.step(office, cases_before[0], "reply", "h1", D(2026, 6, 5), today=TODAY, outcome="unavailable.not_held")
    uow = f.uow(office, files_dir=str(files))
    attachments.attach(attachments.Attach(cases_before[1], "批复.pdf", b"%PDF-1.4\n% a test file\n"),
                       uow, f.principal(office, "c1"))
    stop, made = threading.Event(), []
    writer = threading.Thread(target=_busy, args=(office, stop, made))
    writer.start()
    try:
        while len(made) < 2:
            stop.wait(0.05)
        folder, manifest = B.backup(office, files, tmp_path / "backups")
    finally:
        stop.set()
        writer.join()
    assert B.check(folder) == []
    saved = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert saved["tables"]["cases"] == manifest.tables["cases"] >= 5
    restored_files = tmp_path / "restored-files"
    restored, problems = B.restore(folder, restore_url, restored_files)
    assert problems == []
    assert restored.events_sha256 == manifest.events_sha256 and restored.notices_sha256 == manifest.notices_sha256
    # the restored database works: every case backed up is there and opens
    with db.session_scope(restore_url) as s:
        there = set(s.scalars(select(CaseRow.case_no)))
        assert s.scalar(select(func.count()).select_from(CaseRow)) == manifest.tables["cases"]
    assert set(cases_before) <= there
    page = views.case_page(cases_before[0], f.uow(restore_url), f.principal(restore_url, "c1")).data
    assert page["state"] == "closed"
    assert len(manifest.attachments) == 1
    for sha in manifest.attachments:
        assert (restored_files / sha[:2] / sha).is_file()


def test_restore_never_overwrites_and_a_tampered_backup_is_named(office, tmp_path, restore_url):
    f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    folder, _manifest = B.backup(office, tmp_path / "files", tmp_path / "backups")
    # restoring onto the live database is refused, nothing written
    with pytest.raises(B.BackupError) as exc:
        B.restore(folder, office, tmp_path / "f2")
    assert exc.value.field == "url"
    # a manifest that no longer matches the copy: named, not a silent success
    data = json.loads((folder / "manifest.json").read_text("utf-8"))
    data["tables"]["cases"] += 1
    (folder / "manifest.json").write_text(json.dumps(data), "utf-8")
    _restored, problems = B.restore(folder, restore_url, tmp_path / "f3")
    assert any("cases" in p for p in problems)


def test_foi_db_backup_and_restore_commands(office, tmp_path, restore_url):
    f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    res = foi("db", "backup", str(tmp_path / "b"), "--files-dir", str(tmp_path / "files"), "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["cases"] == 1
    assert foi("db", "check-backup", info["folder"]).exit_code == 0
    res = foi("db", "restore", info["folder"], "--to", restore_url, "--files-dir", str(tmp_path / "rf"))
    assert res.exit_code == 0 and "核对无误" in res.output, res.output
    res = foi("db", "restore", info["folder"], "--to", restore_url, "--files-dir", str(tmp_path / "rf"))
    assert res.exit_code == 2   # the target has data now: refused with the rule
