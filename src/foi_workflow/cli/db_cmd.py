"""`foi db`: schema upgrades of the configured database."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade", help="将数据库表结构升级到最新版本（Alembic）。")
def upgrade() -> None:
    from ..storage import db
    from .common import settings

    url = settings().database_url
    revision = db.upgrade(url)
    typer.echo(f"数据库已升级到版本 {revision}（{db.database_url(url).split('@')[-1]}）")
