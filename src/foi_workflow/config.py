"""Settings: one object built at start-up from the environment (FOI_*) and passed down.

Entry points (the CLI, the web app, the flows) call `Settings.load()` once and hand the object,
or the unit of work made from it (storage/uow.py), to the services; nothing below the entry
points reads the environment. Every variable is listed in deploy/foi.env.example.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain.errors import InputError

DEFAULT_DATABASE_URL = "sqlite:///foi.sqlite3"


class SmtpSettings(BaseSettings):
    """The mail server for the supervisors' digests; no host: no mail is sent."""

    model_config = SettingsConfigDict(env_prefix="FOI_SMTP_", frozen=True, extra="ignore")

    host: str = ""
    port: int | None = Field(default=None, ge=1, le=65535)
    sender: str = Field(default="", validation_alias="FOI_SMTP_FROM")
    user: str = ""
    password: str = Field(default="", repr=False)
    starttls: bool = False
    ssl: bool = False
    timeout: float = Field(default=30.0, gt=0, le=600)

    @property
    def enabled(self) -> bool:
        return bool(self.host.strip())

    @property
    def port_or_default(self) -> int:
        return self.port or (465 if self.ssl else 25)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOI_", frozen=True, extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    notices_dir: Path | None = None          # where notice PDF/DOCX/HTML files are written
    templates_dir: Path | None = None        # notice templates (default: the shipped templates/)
    font_cache: Path | None = None           # static CJK font instances
    # the agency's own official font files (documents/fonts.py; none: the open fonts, docs/fonts.md)
    font_fangsong: Path | None = None        # 仿宋_GB2312: body text
    font_xiaobiaosong: Path | None = None    # 方正小标宋简体: title, issuer line
    font_heiti: Path | None = None           # 黑体: level-1 headings
    font_kaiti: Path | None = None           # 楷体_GB2312: level-2 headings
    # attachments (storage/files.py): the file store, the largest file, the types allowed
    files_dir: Path | None = None            # default: files/ beside the SQLite file, else ./files
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=2 * 1024 ** 3)
    attachment_types: tuple[str, ...] = ("pdf", "ofd", "docx", "xlsx", "jpg", "jpeg", "png", "txt", "zip")
    today: dt.date | None = None             # drills and demos only: the legal "today"
    # accounts (services/auth.py)
    token_days: int = Field(default=90, ge=1, le=366)       # a new API token's default lifetime
    signin_max_failures: int = Field(default=5, ge=1, le=100)
    signin_window_minutes: int = Field(default=15, ge=1, le=1440)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    # the staff workbench (foi web; docs/web.md)
    web_secret: str = Field(default="", repr=False)        # signs session cookies; empty: random per process
    web_secure_cookies: bool = False                        # Secure cookies (set behind TLS)
    web_session_minutes: int = Field(default=30, ge=1, le=1440)  # idle expiry of a signed-in session
    web_session_hours: int = Field(default=12, ge=1, le=72)      # absolute expiry after sign-in
    web_bench_probe: bool = False  # bench/web.py only: bare queries at /_bench/ beside the pages (never in production)
    # the applicant portal (docs/portal.md): rate limits, counted in the database (every worker)
    portal_submits_per_hour: int = Field(default=10, ge=1, le=10_000)    # per client address
    portal_submits_per_day: int = Field(default=10, ge=1, le=10_000)     # per applicant (ID or credit code)
    portal_lookup_failures: int = Field(default=10, ge=1, le=10_000)     # per address, per 15 minutes
    portal_case_failures: int = Field(default=5, ge=1, le=10_000)        # per case number, per 15 minutes

    @field_validator("font_fangsong", "font_xiaobiaosong", "font_heiti", "font_kaiti", mode="before")
    @classmethod
    def _no_font_file(cls, value):
        return None if isinstance(value, str) and not value.strip() else value  # empty: the open font

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    def legal_today(self) -> dt.date:
        """Today in Beijing time, or the drill's date (FOI_TODAY)."""
        from .localtime import today

        return self.today or today()

    @classmethod
    def load(cls, **overrides) -> Settings:
        """The settings from the environment (and overrides), or a Chinese message naming the variable."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = "_".join(str(p) for p in err.get("loc", ())).upper()
            prefix = "FOI_SMTP_" if exc.title == "SmtpSettings" else "FOI_"
            raise InputError(prefix + loc, "环境变量须符合 deploy/foi.env.example 的说明",
                             f"无效的设置：{err.get('msg', '')}") from None
