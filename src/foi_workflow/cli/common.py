"""Shared CLI plumbing: turning domain errors into a Chinese message and exit status 2."""

from __future__ import annotations

import functools
import json
import sys
from contextvars import ContextVar
from typing import Any, Callable

from ..domain.errors import FoiError

EXIT_BAD_INPUT = 2


def error_line(err: FoiError) -> str:
    """The one-line Chinese message a command prints for bad input."""
    return f"错误：{err.text()}"


def fail(err: FoiError) -> None:
    import typer  # not at import: `foi clock`'s fast path (clock_core) imports this module

    typer.echo(error_line(err), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; a FoiError becomes a one-line Chinese message and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FoiError as err:
            fail(err)

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


# ----- who is acting: the operator on the server, and the staff member acted for -----------------

TOKEN_HELP = "个人访问令牌（或环境变量 FOI_TOKEN）：以令牌所属人员为操作人"
AS_HELP = "办理人（工作人员账户代码）：以其身份与权限办理；操作人另行记录"


def os_operator() -> str:
    """The OS user running the command on the server (recorded beside the staff member)."""
    import getpass

    try:
        return f"os:{getpass.getuser()}"[:80]
    except Exception:  # no user name in the environment (containers)
        import os

        return f"os:uid{os.getuid()}"


def settings():
    """The settings of this invocation (read from the environment once per command)."""
    from ..config import Settings

    return Settings.load()


def unit_of_work():
    """A unit of work on the configured database; a missing schema is a Chinese error."""
    from ..storage.uow import SqlUnitOfWork

    uow = SqlUnitOfWork(settings())
    require_schema(uow.settings.database_url)
    return uow


def require_schema(url: str) -> None:
    from ..domain.errors import InputError
    from ..storage import db

    if not db.has_table("staff_roles", url):
        raise InputError("database", "先运行 foi db upgrade 建立（或升级）数据库表",
                         f"数据库 {db.database_url(url).split('@')[-1]} 中尚无所需的表")


_TOKEN: ContextVar[str | None] = ContextVar("foi_token", default=None)


def set_token(token: str | None) -> None:
    """Called by the root command for `foi --token T ...` (each invocation sets it anew)."""
    _TOKEN.set(token)


def _token() -> str | None:
    import os

    return _TOKEN.get() or os.environ.get("FOI_TOKEN") or None


def acting_or_scheduler(uow: Any, as_code: str | None) -> Any:
    """For the commands the scheduled flows also run (`foi sweep`, `foi verify`): the staff
    member of --as (or a token's owner), else the installation's scheduler with the OS user as
    operator (the server's own run, every agency)."""
    from ..services import auth

    if as_code or _token():
        return acting(uow, as_code)
    return auth.scheduler_principal(operator=os_operator())


def acting(uow: Any, as_code: str | None, *, bootstrap: bool = False) -> Any:
    """The Principal this command acts as (its own short transaction).

    With a token (--token / FOI_TOKEN): its owner, or, with --as, the staff member that owner
    may act for. Without one: the staff member named by --as, with the OS user as operator.
    With neither, only the first set-up (no admin yet) may run, when `bootstrap` allows it.
    """
    from ..domain.errors import InputError
    from ..services import auth

    token = _token()
    with uow:
        if token:
            owner = auth.principal_from_token(token, uow, via="cli")
            return auth.acting_for(owner, as_code, uow) if as_code else owner
        if as_code:
            return auth.principal_for(as_code, uow, operator=os_operator(), via="cli")
        if bootstrap:
            return auth.bootstrap_principal(uow, operator=os_operator())
    raise InputError("--as", "须以 --as 指明办理人，或以 --token（FOI_TOKEN）提供个人访问令牌", "缺少办理人")
