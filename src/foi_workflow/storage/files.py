"""The file store: attachments kept by their SHA-256 under Settings.files_dir.

A file is written once, atomically (a temporary file in the same folder, flushed and fsynced,
then renamed over its final name, and the folder fsynced), at <root>/<sha[:2]>/<sha>. The same
content stored twice is one file. Reading checks the hash, so a damaged file is an error, never
a wrong attachment. A file written by a step whose transaction then rolled back stays as an
unreferenced blob: harmless (content-addressed), and a later attach of the same bytes reuses it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import FoiError

if TYPE_CHECKING:
    from ..config import Settings


class StoreError(FoiError):
    """A stored file is missing or does not match its hash."""


def files_dir(settings: Settings) -> Path:
    """Settings.files_dir (FOI_FILES_DIR); else files/ beside the SQLite database; else ./files."""
    if settings.files_dir:
        return Path(settings.files_dir)
    url = settings.database_url
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):]).parent / "files"
    return Path("files")


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError("sha256", "文件以其 SHA-256（64位十六进制小写）存放", "无效的哈希值")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data`; its SHA-256 (hex)."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.is_file() and final.stat().st_size == len(data):
            return sha
        write_atomic(final, data)
        return sha

    def get(self, sha256: str) -> bytes:
        p = self.path(sha256)
        if not p.is_file():
            raise StoreError("sha256", "附件文件须在文件存储中", f"文件 {sha256[:12]}… 不存在")
        data = p.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError("sha256", "附件文件须与登记的哈希一致", f"文件 {sha256[:12]}… 已损坏")
        return data


#: permissions of every file the engine writes (notices, reports, attachments): owner and group
#: read, nobody else (mkstemp's 0o600, widened to the group the service account shares)
FILE_MODE = 0o640


def write_atomic(path: Path | str, data: bytes, *, mode: int = FILE_MODE) -> Path:
    """Write `data` to `path` whole or not at all: a temporary file in the same folder (created
    0o600, then set to `mode`), flushed and fsynced, renamed over `path`, the folder fsynced. A
    crash leaves either the old file or the new one, never a truncated one; the temporary file
    is removed when the write fails."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    return final


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms that cannot open a folder
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
