"""`foi user`: accounts for admins (create, roles, deactivate, passwords, tokens) and the access log.

One account per person (the identifier — staff number or mobile — is unique), with one or more
roles in one agency. While the database has no admin yet, the server's operator may create the
first accounts without --as (first set-up); after that every change needs an admin (--as or a
token) of the account's agency or a government above it, and is recorded with who and when.
Passwords are read from standard input (--password-stdin) or typed at a hidden prompt; they are
never taken as an argument (shell history, process lists).
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from .common import AS_HELP, acting, print_json, unit_of_work, user_errors

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True)
app.add_typer(token_app, name="token", help="个人访问令牌：创建、列出、撤销（用于脚本和系统对接）。")

ADMIN_HELP = "管理员（工作人员账户代码）；" + AS_HELP
PASSWORD_STDIN_HELP = "从标准输入读取密码（第一行）；不给出时在终端提示输入"


def _read_password(from_stdin: bool, *, prompt: str = "密码", required: bool = False) -> str | None:
    """The password from stdin's first line, a hidden prompt on a terminal, or None."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if sys.stdin.isatty():
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    if required:
        from ..domain.errors import InputError

        raise InputError("password", "密码须以 --password-stdin 从标准输入提供，或在终端输入", "未提供密码")
    return None


def _echo_account(d: dict[str, Any], what: str) -> None:
    state = "在用" if d["active"] else "已停用"
    typer.echo(f"{what}：{d['code']} {d['name']}（{d['roles_label']}；{state}）")


def _described(account: Any, uow: Any) -> dict[str, Any]:
    from ..services import accounts

    d = accounts.describe(account)
    with uow:
        agency = uow.directory.agency_by_id(account.agency_id)
    d["agency"] = agency.code if agency else None
    d["agency_name"] = agency.name if agency else None
    return d


@app.command("create", help="登记账户：一人一个账户（工号或手机号码不得重复），可有多个角色。")
@user_errors
def create(
    code: str = typer.Argument(..., help="账户代码（2–40位小写字母、数字、. - _），登录和 --as 时使用"),
    name: str = typer.Argument(..., help="姓名"),
    agency: str = typer.Option(..., "--agency", help="所属机关代码"),
    identifier: str = typer.Option(..., "--identifier", help="人员标识：工号或11位手机号码（一人一号）"),
    role: list[str] = typer.Option(..., "--role", help="角色：clerk（承办人）、reviewer（保密审查人）、"
                                                       "head（负责人）、supervisor（督办人）、admin（管理员）；可多次或以逗号分隔"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP + "；尚无管理员时为初始设置"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor, bootstrap=True)
    password = _read_password(password_stdin)
    roles = tuple(r for item in role for r in item.split(","))
    with uow:
        account = accounts.create_account(
            accounts.CreateAccount(code, name, agency, identifier, roles, password), uow, who)
    out = _described(account, uow)
    if as_json:
        print_json(out)
        return
    _echo_account(out, "已登记账户")
    if password is None:
        typer.echo("尚未设置密码：用 foi user reset-password 设置后方可登录。")


@app.command("list", help="列出本机关（及下属机关）的账户（管理员）。")
@user_errors
def list_(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（默认：管理员所在机关及其下属机关）"),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        found = accounts.accounts(agency, uow, who)
        codes = {a.id: a.code for a in (uow.directory.agency_by_id(x.agency_id) for x in found) if a}
    rows = []
    for a in found:
        d = accounts.describe(a)
        d["agency"] = codes.get(a.agency_id)
        rows.append(d)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("没有账户。")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("代码", "姓名", "机关", "角色", "人员标识", "状态"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["code"], r["name"], r["agency"] or "", r["roles_label"], r["identifier"],
                      "在用" if r["active"] else "已停用")
    Console(highlight=False, soft_wrap=True).print(table)


@app.command("roles", help="设置账户的角色（替换原有角色；记录变更人和时间）。")
@user_errors
def roles(
    code: str = typer.Argument(..., help="账户代码"),
    role: list[str] = typer.Option(..., "--role", help="新的角色，可多次或以逗号分隔"),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        account = accounts.set_roles(accounts.SetRoles(code, tuple(r for i in role for r in i.split(","))),
                                     uow, who)
    out = _described(account, uow)
    print_json(out) if as_json else _echo_account(out, "已设置角色")


def _set_active(code: str, active: bool, actor: str | None, as_json: bool) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        account = accounts.set_active(accounts.SetActive(code, active), uow, who)
    out = _described(account, uow)
    print_json(out) if as_json else _echo_account(out, "已启用账户" if active else "已停用账户")


@app.command("deactivate", help="停用账户：不能再登录、使用令牌或被代为办理（记录停用人和时间）。")
@user_errors
def deactivate(code: str = typer.Argument(..., help="账户代码"),
               actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
               as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    _set_active(code, False, actor, as_json)


@app.command("reactivate", help="重新启用已停用的账户。")
@user_errors
def reactivate(code: str = typer.Argument(..., help="账户代码"),
               actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
               as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    _set_active(code, True, actor, as_json)


@app.command("reset-password", help="管理员为账户设置新密码（密码以 argon2 散列保存，不保存明文）。")
@user_errors
def reset_password(code: str = typer.Argument(..., help="账户代码"),
                   password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_STDIN_HELP),
                   actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP)) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    password = _read_password(password_stdin, prompt="新密码", required=True)
    with uow:
        accounts.reset_password(accounts.ResetPassword(code, password or ""), uow, who)
    typer.echo(f"已为 {code} 设置新密码。")


@app.command("history", help="账户的变更记录：登记、角色、停用、密码、令牌（谁、何时）。")
@user_errors
def history(code: str = typer.Argument(..., help="账户代码"),
            actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
            as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from .. import localtime
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        rows = [{"change": c.change, "detail": c.detail, "by": c.by, "operator": c.operator,
                 "at": localtime.as_local(c.at).isoformat(timespec="seconds")}
                for c in accounts.changes(code, uow, who)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['at']}  {r['change']}  {r['detail']}  由 {r['by']}（{r['operator']}）")


def _token_dict(t: Any) -> dict[str, Any]:
    from .. import localtime

    def iso(v):
        return localtime.as_local(v).isoformat(timespec="seconds") if v else None

    return {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": iso(t.created_at),
            "expires_at": iso(t.expires_at), "revoked_at": iso(t.revoked_at),
            "last_used_at": iso(t.last_used_at)}


@token_app.command("create", help="创建个人访问令牌：只显示这一次，系统只保存其散列值。")
@user_errors
def token_create(name: str = typer.Argument(..., help="令牌名称（用途）"),
                 days: Optional[int] = typer.Option(None, "--days", help="有效天数（1–366；默认90）"),
                 for_: Optional[str] = typer.Option(None, "--for", help="为本机关（或下属机关）的哪个账户创建（管理员）"),
                 actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
                 as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        token, secret = accounts.create_token(accounts.CreateToken(name, days, for_), uow, who)
    out = {**_token_dict(token), "token": secret}
    if as_json:
        print_json(out)
        return
    typer.echo(f"已创建令牌 {token.id}（{token.name}），有效期至 {out['expires_at']}。")
    typer.echo("令牌只显示这一次，请妥善保存：")
    typer.echo(secret)


@token_app.command("list", help="列出令牌（不显示令牌本身）。")
@user_errors
def token_list(for_: Optional[str] = typer.Option(None, "--for", help="哪个账户的令牌（默认本人）"),
               actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
               as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        rows = [_token_dict(t) for t in accounts.tokens(for_, uow, who)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("没有令牌。")
    for r in rows:
        state = "已撤销" if r["revoked_at"] else f"有效期至 {r['expires_at']}"
        typer.echo(f"{r['id']}  {r['name']}  {r['prefix']}…  {state}")


@token_app.command("revoke", help="撤销令牌（立即失效）。")
@user_errors
def token_revoke(token_id: int = typer.Argument(..., help="令牌编号"),
                 actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP)) -> None:
    from ..services import accounts

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        accounts.revoke_token(accounts.RevokeToken(token_id), uow, who)
    typer.echo(f"已撤销令牌 {token_id}。")


@user_errors
def access_log(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（默认：管理员所在机关及其下属机关）"),
    staff: Optional[str] = typer.Option(None, "--staff", help="只看某个账户的查阅"),
    case_no: Optional[str] = typer.Option(None, "--case", help="只看某件案件的查阅"),
    limit: int = typer.Option(200, "--limit", help="最多条数（1–10000）"),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import access

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        rows = [access.as_dict(e) for e in access.entries(access.Query(agency, staff, case_no, None, limit),
                                                          uow, who)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("没有访问记录。")
    for r in rows:
        typer.echo(f"{r['at']}  {r['staff']}（{r['operator']}，{r['via']}）  {r['action']}  "
                   f"{r['target']}  {r['outcome']}")
