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


def _files_root(settings, given):
    from pathlib import Path

    from ..storage.files import files_dir

    return Path(given) if given else files_dir(settings)


@app.command("backup", help="备份数据库与附件文件到 DEST 下的新文件夹（含核对清单 manifest.json）。"
                            "SQLite 用在线备份，PostgreSQL 用同一快照的 pg_dump；运行中的数据库也可备份。")
def backup(dest: str = typer.Argument(..., help="备份存放的文件夹（每次备份在其中新建一个子文件夹）"),
           files_dir: str = typer.Option(None, "--files-dir", help="附件文件存储（默认 FOI_FILES_DIR 或数据库旁的 files/）"),
           as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..storage import backup as B
    from .common import print_json, settings, user_errors

    @user_errors
    def run() -> None:
        s = settings()
        folder, manifest = B.backup(s.database_url, _files_root(s, files_dir), dest)
        info = {"folder": str(folder), **B.summary(manifest)}
        if as_json:
            print_json(info)
        else:
            typer.echo(f"已备份到 {folder}：案件 {info['cases']} 件，办理记录 {info['case_events']} 条，"
                       f"文书 {info['notices']} 件，附件 {info['attachments']} 个（表结构版本 {info['revision']}）")
    run()


@app.command("restore", help="把备份恢复到 --to 指定的数据库（新的 SQLite 文件或空的 PostgreSQL 数据库）"
                             "及附件存储，并逐项核对：行数、全部办理记录与文书哈希须与备份一致。")
def restore(folder: str = typer.Argument(..., help="foi db backup 生成的备份文件夹"),
            to: str = typer.Option(..., "--to", help="恢复到的数据库 URL（sqlite:///新文件 或 postgresql://…/空库）"),
            files_dir: str = typer.Option(..., "--files-dir", help="恢复附件文件到的文件夹"),
            as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..storage import backup as B
    from .common import print_json, user_errors

    @user_errors
    def run() -> None:
        restored, problems = B.restore(folder, to, files_dir)
        info = {**B.summary(restored), "problems": problems}
        if as_json:
            print_json(info)
        elif problems:
            typer.echo("恢复后的数据与备份不一致：\n" + "\n".join(f"  {p}" for p in problems), err=True)
        else:
            typer.echo(f"已恢复并核对无误：案件 {info['cases']} 件，办理记录 {info['case_events']} 条，"
                       f"文书 {info['notices']} 件，附件 {info['attachments']} 个")
        if problems:
            raise typer.Exit(1)
    run()


@app.command("check-backup", help="核对一个备份文件夹：附件齐全且哈希一致；SQLite 备份的内容与清单一致。")
def check_backup(folder: str = typer.Argument(..., help="备份文件夹")) -> None:
    from ..storage import backup as B
    from .common import user_errors

    @user_errors
    def run() -> None:
        problems = B.check(folder)
        if problems:
            typer.echo("备份有问题：\n" + "\n".join(f"  {p}" for p in problems), err=True)
            raise typer.Exit(1)
        typer.echo(f"备份完好：{folder}")
    run()
