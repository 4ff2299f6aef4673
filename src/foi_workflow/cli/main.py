"""The root of the `foi` command: sub-commands are registered here.

A sub-command's module is imported only when the command line names it (`foi case step`
imports case_cmd alone, not the notice, statistics or web modules): the root group is a
TyperGroup with click's lazy sub-commands — get_command loads the one asked for, list_commands
names them all (`foi --help` loads them all for their help lines). The console script answers a
plain `foi clock …` without Typer at all (cli/launch.py).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup


class _LazyGroup(TyperGroup):
    """The root group: the lazy sub-commands (app.lazy below) beside any eager ones."""

    lazy: dict[str, tuple[str, str, str, str]] = {}  # name → (module, attribute, kind, help)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(_load(cmd_name, *self.lazy[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(name: str, module: str, attr: str, kind: str, help: str) -> Any:
    """The click command of one lazy sub-command, built as an eager one is: registered on a
    Typer of its own (add_typer for a group, command for a function) and taken from its tree."""
    import typer.main

    target = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
    holder = typer.Typer(add_completion=False)
    holder.callback()(_no_options)  # a group, whatever it holds
    if kind == "group":
        holder.add_typer(target, name=name, help=help)
    else:
        holder.command(name, help=help)(target)
    return typer.main.get_command(holder).commands[name]


def _no_options() -> None:
    pass


class _Root(typer.Typer):
    def lazy(self, name: str, module: str, attr: str, kind: str, help: str) -> None:
        """Register sub-command `name`: `attr` of cli/`module` (a Typer app for kind "group",
        a function for kind "command"), imported when a command line names it."""
        _LazyGroup.lazy[name] = (module, attr, kind, help)


app = _Root(
    name="foi",
    help="政府信息公开申请办理（服务器上的操作工具）：机关与账户、案件办理、法定期限计算、工作日历、数据库。"
         "写操作记录操作人（本机用户或 --token 令牌所属人员）及 --as 指明的办理人。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)


@app.callback()
def _root(token: str = typer.Option(None, "--token", show_default=False,
                                    help="个人访问令牌（默认取环境变量 FOI_TOKEN）：以令牌所属人员为操作人")) -> None:
    from .common import set_token

    set_token(token)


app.lazy("clock", "clock_cmd", "clock", "command",
         "期限计算器：按收到日期等事件计算各项法定期限（--explain 显示计算过程）。")
app.lazy("calendar", "calendar_cmd", "app", "group", "工作日历：查看年度安排、载入新公布的年度。")
app.lazy("db", "db_cmd", "app", "group", "数据库：升级表结构。")
app.lazy("agency", "agency_cmd", "app", "group", "机关：登记机关及其上下级关系、列出机关。")
app.lazy("user", "user_cmd", "app", "group",
         "账户（管理员）：登记账户及角色、停用、重设密码、个人访问令牌、变更记录。")
app.lazy("access-log", "user_cmd", "access_log", "command",
         "访问日志（管理员）：谁在何时查阅了哪件案件、告知书、报告。")
app.lazy("case", "case_cmd", "app", "group",
         "案件：登记申请、办理事项、查看案件及各项期限、列出将到期的案件。")
app.lazy("notice", "notice_cmd", "app", "group", "告知书：列出、查看、重新生成已出具的文书。")
app.lazy("stats", "stats_cmd", "app", "group", "统计：年度报告、登记簿、数据核对。")
app.lazy("board", "board_cmd", "board", "command",
         "督办看板：各机关未处理的期限提醒，按紧急程度排列（承办人、原因）。")
app.lazy("sweep", "board_cmd", "sweep", "command",
         "立即进行期限督办扫描：提醒、自动办结（逾期未补正/未缴费）、邮件摘要。")
app.lazy("notify", "board_cmd", "notify_app", "group", "督办摘要邮件：设置、列出收件人。")
app.lazy("timeliness", "board_cmd", "timeliness", "command",
         "时效统计：年度内逾期答复、逾期发出补正告知的案件，以及仍未答复且已逾期的案件。")
app.lazy("verify", "verify_cmd", "verify", "command",
         "核对办理记录：重新计算案件办理记录和文书的哈希链，列明被改动、插入或删除之处。")
app.lazy("serve", "serve_cmd", "serve", "command",
         "常驻进程：向 Prefect 服务器（PREFECT_API_URL）登记并运行各定时部署（期限督办扫描等）。")
app.lazy("web", "web_cmd", "web", "command",
         "工作台：在浏览器中办理案件（登录、我的待办、案件页、登记、督办），并提供 /api/ 接口。")
app.lazy("demo", "demo_cmd", "demo", "command",
         "演示：期限计算的典型情形及其计算过程（完整的办理流程演示：make demo）。")
app.lazy("fonts", "fonts_cmd", "app", "group",
         "字体：检查文书所用的字体（正文仿宋、标题小标宋、黑体、楷体）及其来源与许可。")
# a new sub-command: one app.lazy(...) line above (or an eager app.add_typer / app.command)


if __name__ == "__main__":  # pragma: no cover
    app()
