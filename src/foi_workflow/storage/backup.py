"""Backup and restore: the database and the file store, with a manifest that proves the copy.

    backup(url, files_root, dest)          -> Manifest   (a new folder under dest)
    restore(folder, url, files_root)       -> Manifest   (then checked against the backup's)
    check(folder)                          -> Manifest   (the backup alone: files and, for SQLite, the copy)

A backup folder holds
    manifest.json        what was copied: engine, schema revision, row counts of every table, a
                         digest of every case event (case, seq, kind, legal date, actor, data)
                         and of every notice's recorded hashes, and the attachments' hashes
    database.sqlite3     SQLite: a copy made with SQLite's online backup API (consistent while
                         the database is in use)
    database.pgdump      PostgreSQL: pg_dump -Fc of one snapshot; the manifest is computed in the
                         transaction that exported that snapshot, so both describe the same moment
    files/               the attachments (content-addressed, each checked against its hash)

Restoring writes the database (an SQLite file that must not exist yet, or an empty PostgreSQL
database) and the files, then computes the manifest of what was restored: every count and
digest must equal the backup's, or the restore is reported as broken. Keys: none are kept in
the database today; when personal data is encrypted (issue 17) its key is backed up apart from
these folders (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url

from ..domain.errors import FoiError
from . import db
from .files import FileStore, write_atomic

MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite3"
PG_DUMP = "database.pgdump"
FORMAT = 1


class BackupError(FoiError):
    """A backup or restore that cannot be made or does not match."""


@dataclass
class Manifest:
    engine: str
    revision: str
    tables: dict[str, int]
    events_sha256: str
    notices_sha256: str
    attachments: list[str] = field(default_factory=list)  # sha256 of every stored attachment
    created: str = ""
    format: int = FORMAT

    def same_content(self, other: Manifest) -> list[str]:
        """What differs between two manifests' content (empty: the same)."""
        out = []
        if self.revision != other.revision:
            out.append(f"表结构版本：{self.revision} ≠ {other.revision}")
        for name in sorted(set(self.tables) | set(other.tables)):
            a, b = self.tables.get(name), other.tables.get(name)
            if a != b:
                out.append(f"表 {name}：{a} 行 ≠ {b} 行")
        if self.events_sha256 != other.events_sha256:
            out.append("案件办理记录的摘要不一致")
        if self.notices_sha256 != other.notices_sha256:
            out.append("文书登记的哈希摘要不一致")
        if sorted(self.attachments) != sorted(other.attachments):
            out.append("附件清单不一致")
        return out


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps([v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for v in row],
                            ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def fingerprint(conn: Connection) -> Manifest:
    """The manifest of the database behind `conn`, read in its current transaction."""
    names = sorted(inspect(conn).get_table_names())
    tables = {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}
    revision = ",".join(sorted(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))) \
        if "alembic_version" in names else ""
    events = ""
    if "case_events" in names:
        rows = conn.execute(text('SELECT c.case_no, e.seq, e.kind, e."on", e.actor, e.data FROM case_events e '
                                 'JOIN cases c ON c.id = e.case_id ORDER BY c.case_no, e.seq'))
        events = _digest((no, seq, kind, on, actor, data if isinstance(data, (dict, list)) else json.loads(data))
                         for no, seq, kind, on, actor, data in rows)
    notices = ""
    if "notices" in names:
        notices = _digest(conn.execute(text("SELECT doc_no, html_sha256, pdf_sha256, docx_sha256 FROM notices "
                                            "ORDER BY id")))
    attachments = sorted({s for (s,) in conn.execute(text("SELECT sha256 FROM attachments"))}) \
        if "attachments" in names else []
    return Manifest(conn.dialect.name, revision, tables, events, notices, attachments)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A URL for pg_dump / pg_restore and the environment carrying its password (never argv)."""
    u = make_url(db.database_url(url))
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return u.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError("pg_dump", "PostgreSQL 的备份须使用 pg_dump / pg_restore（PostgreSQL 客户端）",
                          f"找不到命令 {argv[0]}") from exc
    if done.returncode != 0:
        raise BackupError("database", f"{what}须成功完成", (done.stderr or done.stdout).strip()[-500:])


def _sqlite_path(url: str) -> Path | None:
    url = db.database_url(url)
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):])
    return None


def _copy_files(shas: list[str], source: FileStore, target: FileStore) -> None:
    for sha in shas:
        target.put(source.get(sha))  # get() checks the hash; put() writes atomically


def backup(url: str, files_root: Path | str, dest: Path | str) -> tuple[Path, Manifest]:
    """Back up the database at `url` and its attachments into a new folder under `dest`."""
    now = dt.datetime.now(dt.timezone.utc)
    folder = Path(dest) / f"foi-backup-{now:%Y%m%dT%H%M%S%fZ}"
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError("database", "须备份已存在的数据库", f"数据库文件 {path} 不存在")
        tmp = folder / (SQLITE_COPY + ".part")
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # SQLite's online backup: one consistent copy while others write
        finally:
            dst.close()
            src.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / SQLITE_COPY)
        engine = create_engine(f"sqlite:///{folder / SQLITE_COPY}")
        try:
            with engine.connect() as conn:
                manifest = fingerprint(conn)
        finally:
            engine.dispose()
    else:
        engine = create_engine(db.database_url(url))
        try:
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
                with conn.begin():
                    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                    manifest = fingerprint(conn)
                    dsn, env = _libpq(url)
                    _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                          "-f", str(folder / PG_DUMP), dsn], env, "数据库备份（pg_dump）")
        finally:
            engine.dispose()
        os.chmod(folder / PG_DUMP, 0o600)
    _copy_files(manifest.attachments, FileStore(Path(files_root)), FileStore(folder / "files"))
    manifest.created = now.isoformat()
    write_atomic(folder / MANIFEST, (json.dumps(asdict(manifest), ensure_ascii=False, indent=1) + "\n").encode(),
                 mode=0o600)
    return folder, manifest


def read_manifest(folder: Path | str) -> Manifest:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError("backup", "备份文件夹须含有效的 manifest.json", f"无法读取 {path}") from exc


def check(folder: Path | str) -> list[str]:
    """Problems of a backup folder alone (empty: sound): every attachment present with its hash;
    an SQLite copy whose content equals its manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems = []
    store = FileStore(folder / "files")
    for sha in manifest.attachments:
        try:
            store.get(sha)
        except FoiError as err:
            problems.append(err.text())
    if manifest.engine == "sqlite":
        engine = create_engine(f"sqlite:///{folder / SQLITE_COPY}")
        try:
            with engine.connect() as conn:
                problems += manifest.same_content(fingerprint(conn))
        finally:
            engine.dispose()
    elif not (folder / PG_DUMP).is_file():
        problems.append(f"缺少 {PG_DUMP}")
    return problems


def restore(folder: Path | str, url: str, files_root: Path | str) -> tuple[Manifest, list[str]]:
    """Restore a backup into `url` (a new SQLite file, or an empty PostgreSQL database) and the
    file store at `files_root`; the restored manifest and what differs from the backup's (empty:
    everything is there)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    path = _sqlite_path(url)
    if (path is not None) != (manifest.engine == "sqlite"):
        raise BackupError("url", "须恢复到同类数据库（SQLite 备份恢复为 SQLite 文件，PostgreSQL 备份恢复到 PostgreSQL）",
                          f"备份来自 {manifest.engine}")
    if path is not None:
        if path.exists():
            raise BackupError("url", "恢复须写入尚不存在的数据库文件（不覆盖现有数据）", f"{path} 已存在")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".restore-", dir=path.parent)
        os.close(fd)
        try:
            shutil.copyfile(folder / SQLITE_COPY, tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    else:
        engine = create_engine(db.database_url(url))
        try:
            with engine.connect() as conn:
                if inspect(conn).get_table_names():
                    raise BackupError("url", "恢复须写入空的 PostgreSQL 数据库（不覆盖现有数据）",
                                      "目标数据库中已有数据表")
        finally:
            engine.dispose()
        dsn, env = _libpq(url)
        # --clean --if-exists: the dump re-creates the public schema the new database already has
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--clean", "--if-exists", "-d", dsn,
              str(folder / PG_DUMP)], env, "数据库恢复（pg_restore）")
    _copy_files(manifest.attachments, FileStore(folder / "files"), FileStore(Path(files_root)))
    engine = create_engine(db.database_url(url))
    try:
        with engine.connect() as conn:
            restored = fingerprint(conn)
    finally:
        engine.dispose()
    return restored, manifest.same_content(restored)


def summary(manifest: Manifest) -> dict[str, Any]:
    t = manifest.tables
    return {"engine": manifest.engine, "revision": manifest.revision, "cases": t.get("cases", 0),
            "case_events": t.get("case_events", 0), "notices": t.get("notices", 0),
            "attachments": len(manifest.attachments), "created": manifest.created}
