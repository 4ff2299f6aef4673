"""The root of the `foi` command: sub-commands are registered here."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Optional

import typer


class _LazyTyper(typer.Typer):
    """The root app: a sub-command's module is imported only when the command line needs it
    (`foi clock` imports clock_cmd alone, not the case, notice, statistics or web modules).
    Typer reads registered_commands/registered_groups when it builds the command tree; they load
    the sub-command named on the command line (app(args) or sys.argv), or all of them for
    `foi`, `foi --help`, an unknown name, or a tree built without a call (CliRunner)."""

    _ready = False  # set at the end of this module: registrations written below stay eager

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lazy: dict[str, tuple[str, str, str, str]] = {}
        self._wanted: Optional[str] = None
        self._loaded: set[str] = set()
        self._loading = False
        super().__init__(*args, **kwargs)

    def lazy(self, name: str, module: str, attr: str, kind: str, help: str) -> None:
        self._lazy[name] = (module, attr, kind, help)

    def _load(self) -> None:
        if not self._ready or not self._lazy or self._loading:
            return
        if self._wanted in self._loaded:
            return  # the named sub-command is there: the rest stay unimported
        names = [self._wanted] if self._wanted in self._lazy else list(self._lazy)
        self._loading = True
        try:
            self._add([(*self._lazy.pop(n), n) for n in names])
        finally:
            self._loading = False

    def _add(self, entries: list[tuple[str, str, str, str, str]]) -> None:
        for module, attr, kind, help, name in entries:
            self._loaded.add(name)
            target = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
            if kind == "group":
                self.add_typer(target, name=name, help=help)
            else:
                self.command(name, help=help)(target)

    @property
    def registered_commands(self) -> list:  # type: ignore[override]
        self._load()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list) -> None:
        self._commands = value

    @property
    def registered_groups(self) -> list:  # type: ignore[override]
        self._load()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list) -> None:
        self._groups = value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args", args[0] if args else None)
        self._wanted = _command_name(sys.argv[1:] if argv is None else list(argv))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._wanted = None  # a tree built later (CliRunner) has every sub-command


def _command_name(argv: list[str]) -> Optional[str]:
    """The sub-command named on a command line (after the root's options), or None."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--token":
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return arg
    return None


app = _LazyTyper(
    name="foi",
    help="政府信息公开申请办理（服务器上的操作工具）：机关与账户、案件办理、法定期限计算、工作日历、数据库。"
         "写操作记录操作人（本机用户或 --token 令牌所属人员）及 --as 指明的办理人。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
app.lazy("serve", "serve_cmd", "serve", "command",
         "常驻进程：向 Prefect 服务器（PREFECT_API_URL）登记并运行各定时部署（期限督办扫描等）。")
app.lazy("web", "web_cmd", "web", "command",
         "工作台：在浏览器中办理案件（登录、我的待办、案件页、登记、督办），并提供 /api/ 接口。")
app.lazy("demo", "demo_cmd", "demo", "command",
         "演示：期限计算的典型情形及其计算过程（完整的办理流程演示：make demo）。")
# a new sub-command: one app.lazy(...) line above (or an eager app.add_typer / app.command)

app._ready = True  # keep this the last statement: from here Typer's reads load the lazy ones

if __name__ == "__main__":  # pragma: no cover
    app()
