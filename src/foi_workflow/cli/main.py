"""The root of the `foi` command: sub-commands are registered here."""

from __future__ import annotations

import typer

from . import (agency_cmd, board_cmd, calendar_cmd, case_cmd, clock_cmd, db_cmd, demo_cmd,
               notice_cmd, serve_cmd, stats_cmd, user_cmd, web_cmd)

app = typer.Typer(
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


app.command("clock", help="期限计算器：按收到日期等事件计算各项法定期限（--explain 显示计算过程）。")(
    clock_cmd.clock)
app.add_typer(calendar_cmd.app, name="calendar", help="工作日历：查看年度安排、载入新公布的年度。")
app.add_typer(db_cmd.app, name="db", help="数据库：升级表结构。")
app.add_typer(agency_cmd.app, name="agency", help="机关：登记机关及其上下级关系、列出机关。")
app.add_typer(user_cmd.app, name="user",
              help="账户（管理员）：登记账户及角色、停用、重设密码、个人访问令牌、变更记录。")
app.command("access-log", help="访问日志（管理员）：谁在何时查阅了哪件案件、告知书、报告。")(user_cmd.access_log)
app.add_typer(case_cmd.app, name="case",
              help="案件：登记申请、办理事项、查看案件及各项期限、列出将到期的案件。")
app.add_typer(notice_cmd.app, name="notice", help="告知书：列出、查看、重新生成已出具的文书。")
app.add_typer(stats_cmd.app, name="stats", help="统计：年度报告、登记簿、数据核对。")
app.command("board", help="督办看板：各机关未处理的期限提醒，按紧急程度排列（承办人、原因）。")(board_cmd.board)
app.command("sweep", help="立即进行期限督办扫描：提醒、自动办结（逾期未补正/未缴费）、邮件摘要。")(
    board_cmd.sweep)
app.add_typer(board_cmd.notify_app, name="notify", help="督办摘要邮件：设置、列出收件人。")
app.command("serve", help="常驻进程：向 Prefect 服务器（PREFECT_API_URL）登记并运行各定时部署（期限督办扫描等）。")(
    serve_cmd.serve)
app.command("web", help="工作台：在浏览器中办理案件（登录、我的待办、案件页、登记、督办），并提供 /api/ 接口。")(web_cmd.web)
app.command("demo", help="演示：期限计算的典型情形及其计算过程（完整的办理流程演示：make demo）。")(demo_cmd.demo)

if __name__ == "__main__":  # pragma: no cover
    app()
