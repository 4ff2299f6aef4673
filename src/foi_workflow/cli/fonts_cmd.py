"""`foi fonts check`: which font draws each part of a document, and whether the files are usable."""

from __future__ import annotations

import typer

from .common import print_json, settings, user_errors

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """字体：文书各部分所用字体。"""


@app.command("check", help="检查设置中指定的字体文件（FOI_FONT_*）是否存在、含有文书所用的字；列出各部分所用字体。")
@user_errors
def check(as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..documents import fonts

    found = fonts.check(settings())
    if as_json:
        print_json({role: {"official": f.official, "family": f.family, "path": str(f.path),
                           "source": f.source, "licence": f.licence, "is_official": f.is_official,
                           "serif": f.serif} for role, f in found.items()})
        return
    for role, f in found.items():
        kind = "机关自备" if f.is_official else "开源替代"
        typer.echo(f"{fonts.ROLES[role].use}（{f.official}）：{f.family}［{kind}；{f.source}；"
                   f"{f.licence}］{f.path}")
