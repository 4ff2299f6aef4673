"""`foi clock`: the staff what-if calculator, single and batch, and its bad-input behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from foi_workflow.cli.main import app

runner = CliRunner()


def foi(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_clock_json_has_reply_due_provisional_rules_and_calendar_version(clean_db):
    res = foi("clock", "--received", "2026-09-25", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["reply_due"] == "2026-10-29"
    assert out["provisional"] is False
    assert out["rules"] == "ogi-2019"
    assert out["calendar_version"].startswith("cn-2026-")
    assert out["dates"]["correction_notice_due"]["date"] == "2026-10-12"


def test_clock_prints_chinese_dates_with_their_basis(clean_db):
    res = foi("clock", "--received", "2026-09-25")
    assert res.exit_code == 0, res.output
    assert "答复期限" in res.stdout and "2026-10-29（星期四）" in res.stdout
    assert "第三十三条" in res.stdout


def test_clock_explain_lists_counted_days_holidays_and_make_up_day(clean_db):
    res = foi("clock", "--received", "2026-09-25", "--explain")
    assert res.exit_code == 0, res.output
    assert "10-10(6)" in res.stdout  # the make-up Saturday is the 6th counted day
    assert "国庆节" in res.stdout


def test_clock_exclusion_interval_is_not_counted(clean_db):
    res = foi("clock", "--received", "2026-09-25", "--exclude", "2026-09-29:2026-10-09", "--json")
    assert json.loads(res.stdout)["reply_due"] == "2026-11-03"


def test_clock_extension_adds_working_days(clean_db):
    res = foi("clock", "--received", "2026-09-25", "--extension", "20", "--json")
    assert json.loads(res.stdout)["reply_due"] == "2026-11-26"


def test_clock_rules_default_from_receipt_date(clean_db):
    old = json.loads(foi("clock", "--received", "2019-05-14", "--json").stdout)
    new = json.loads(foi("clock", "--received", "2019-05-15", "--json").stdout)
    assert (old["rules"], new["rules"]) == ("ogi-2008", "ogi-2019")


def test_clock_year_without_arrangement_is_provisional(clean_db):
    out = json.loads(foi("clock", "--received", "2026-12-20", "--json").stdout)
    assert out["reply_due"] == "2027-01-18" and out["provisional"] is True
    text = foi("clock", "--received", "2026-12-20").stdout
    assert "预估" in text


@pytest.mark.parametrize("args, field", [
    (["--received", "2026/09/25"], "received"),
    (["--received", "2008-04-30"], "received"),
    (["--received", "2026-09-25", "--exclude", "2026-10-09:2026-09-29"], "exclude"),
    (["--received", "2026-09-25", "--extension", "21"], "extension"),
    (["--received", "2015-03-02", "--extension", "16"], "extension"),
    (["--received", "2026-09-25", "--rules", "ogi-1999"], "rules"),
    ([], "--received"),
])
def test_clock_bad_input_exits_2_naming_the_field(clean_db, args, field):
    res = foi("clock", *args)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert f"错误：{field}：" in res.stderr
    assert "依据" in res.stderr


def test_batch_answers_each_line_in_order_and_a_bad_line_gets_an_error_object(clean_db):
    lines = [
        {"received": "2026-09-25"},
        {"received": "2026-13-01"},
        {"received": "2026-09-25", "exclude": [["2026-09-29", "2026-10-09"]]},
        "not json",
        {"received": "2026-09-25", "extension": 99},
        {"received": "2015-03-02", "rules": "ogi-2008", "extension": 15},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    res = foi("clock", "--batch", stdin=stdin)
    assert res.exit_code == 2  # some lines were bad; every line still answered
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6]
    assert out[0]["reply_due"] == "2026-10-29"
    assert out[1]["error"]["field"] == "received"
    assert out[2]["reply_due"] == "2026-11-03"
    assert out[3]["error"]["field"] == "line"
    assert out[4]["error"]["field"] == "extension"
    assert out[5]["rules"] == "ogi-2008" and out[5]["reply_due"]


def test_batch_all_good_exits_0(clean_db):
    res = foi("clock", "--batch", stdin='{"received": "2026-02-13"}\n')
    assert res.exit_code == 0
    assert json.loads(res.stdout)["reply_due"] == "2026-03-19"


def test_foi_clock_does_not_import_prefect(clean_db, tmp_path):
    code = ("import sys; from foi_workflow.cli.main import app\n"
            "try:\n    app(['clock', '--received', '2026-09-25', '--json'])\n"
            "except SystemExit:\n    pass\n"
            "print('PREFECT' if 'prefect' in sys.modules else 'NO-PREFECT')")
    env = {**os.environ, "FOI_DATABASE_URL": clean_db}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("NO-PREFECT")
    assert '"reply_due": "2026-10-29"' in res.stdout


def test_foi_clock_with_nothing_loaded_imports_neither_sqlalchemy_nor_prefect(tmp_path):
    """`foi clock` stays quick: with no loaded calendar year (no database file) it reads the
    shipped calendar without SQLAlchemy and imports no other sub-command's module."""
    code = ("import sys; from foi_workflow.cli.main import app\n"
            "try:\n    app(['clock', '--received', '2026-09-25', '--json'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlalchemy', 'prefect', 'foi_workflow.cli.case_cmd') if m in sys.modules))")
    env = {**os.environ, "FOI_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite3'}"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert '"reply_due": "2026-10-29"' in res.stdout
    assert res.stdout.strip().endswith("[]")
    assert not (tmp_path / "absent.sqlite3").exists()


def test_clock_default_database_url_is_the_storage_default():
    from foi_workflow.cli import clock_cmd
    from foi_workflow.storage import db

    assert clock_cmd.DEFAULT_URL == db.DEFAULT_URL


# ----- the console script's fast path (cli/launch.py → cli/clock_core.fast) ----------------------

def test_fast_path_knows_exactly_the_options_of_the_typer_command():
    """One list of options: the fast path reads the same ones the Typer command defines."""
    import inspect
    import typing

    from foi_workflow.cli import clock_cmd, clock_core

    hints = typing.get_type_hints(clock_cmd.clock)
    kinds = {bool: "flag", int: "int", list[str]: "list", typing.Optional[str]: "text"}
    typer_options = {p.default.param_decls[0]: (name, kinds[hints[name]])
                     for name, p in inspect.signature(clock_cmd.clock).parameters.items()}
    assert typer_options == clock_core.OPTIONS


FAST_LINES = [
    ["--received", "2026-09-25", "--json"],
    ["--received=2026-09-25", "--explain", "--json"],
    ["--received", "2026-09-25"],
    ["--received", "2026-09-25", "--explain"],
    ["--received", "2026-12-20", "--extension", "20", "--rules", "ogi-2019", "--json"],
    ["--received", "2026-09-25", "--exclude", "2026-09-29:2026-10-09", "--exclude",
     "2026-10-12:2026-10-13", "--json"],
    ["--received", "2026/09/25"],
    ["--received", "2026-09-25", "--extension", "21"],
    ["--received", "2026-09-25", "--rules", "ogi-1999"],
    [],
]


@pytest.mark.parametrize("args", FAST_LINES)
def test_fast_path_answers_exactly_as_the_typer_command(clean_db, capsys, args):
    from foi_workflow.cli import clock_core

    typer_res = foi("clock", *args)
    status = clock_core.fast(args)
    out = capsys.readouterr()
    assert status == typer_res.exit_code
    assert (out.out, out.err) == (typer_res.stdout, typer_res.stderr)


def test_fast_path_batch_answers_each_line_as_the_typer_command(clean_db, capsys, monkeypatch):
    import io

    from foi_workflow.cli import clock_core

    stdin = '{"received": "2026-09-25"}\nnot json\n{"received": "2026-09-25", "extension": 99}\n'
    typer_res = foi("clock", "--batch", stdin=stdin)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = clock_core.fast(["--batch"])
    assert (status, capsys.readouterr().out) == (typer_res.exit_code, typer_res.stdout) == (2, typer_res.stdout)


@pytest.mark.parametrize("args", [
    ["--help"], ["--received", "2026-09-25", "--jsn"], ["2026-09-25"], ["--received"],
    ["--received", "2026-09-25", "--received", "2026-09-26"], ["--received", "2026-09-25", "--extension", "x"],
    ["--received", "2026-09-25", "--extension", "-1"], ["--received", "2026-09-25", "--json=1"],
    ["--", "--received", "2026-09-25"],
])
def test_fast_path_leaves_every_other_command_line_to_typer(args):
    """Help, unknown or repeated options, missing or odd values: Typer answers them, as before."""
    from foi_workflow.cli import clock_core

    assert clock_core.parse_fast(args) is None


def test_foi_console_script_answers_clock_without_typer_pydantic_sqlalchemy_or_holidays(tmp_path):
    """`foi clock` answers quickly: the console script imports none of the heavy packages."""
    code = ("import sys; sys.argv = ['foi', 'clock', '--received', '2026-09-25', '--json']\n"
            "from foi_workflow.cli.launch import main\n"
            "status = main()\n"
            "print(status, sorted(m for m in ('typer', 'pydantic', 'sqlalchemy', 'holidays', 'rich', 'prefect')"
            " if m in sys.modules))")
    env = {**os.environ, "FOI_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite3'}"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert '"reply_due": "2026-10-29"' in res.stdout
    assert res.stdout.strip().endswith("0 []")


def test_foi_console_script_hands_help_and_other_commands_to_typer(tmp_path):
    from foi_workflow.cli.launch import main

    env = {**os.environ, "FOI_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite3'}"}
    for args, expect in ((["clock", "--help"], "收到申请日期"), (["--help"], "期限计算器")):
        code = f"import sys; from foi_workflow.cli.launch import main; sys.exit(main({args!r}))"
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=60)
        assert res.returncode == 0, res.stderr
        assert expect in res.stdout
    assert callable(main)


def test_the_root_lists_every_sub_command_and_imports_only_the_one_a_line_names(tmp_path):
    """`foi --help` names every sub-command with its help line; `foi case …` imports case_cmd
    and not the other sub-commands' modules (the root group loads them lazily)."""
    from foi_workflow.cli.main import _LazyGroup

    res = foi("--help")
    assert res.exit_code == 0
    for name in ("clock", "calendar", "case", "notice", "stats", "web"):
        assert name in res.stdout and name in _LazyGroup.lazy
    code = ("import sys; from foi_workflow.cli.main import app\n"
            "try:\n    app(['case', '--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('foi_workflow.cli.')"
            " and m.endswith('_cmd')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "FOI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--install-completion" not in out.stdout  # a sub-group has no completion options
    assert out.stdout.strip().splitlines()[-1] == "['case_cmd']"
