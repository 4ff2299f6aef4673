"""The sweep's e-mail digest against a real local SMTP server (aiosmtpd), and the flows and
deployments against the session's one Prefect backend."""

from __future__ import annotations

import datetime as dt
import json
import socket
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default as default_policy

import pytest
from typer.testing import CliRunner

from sqlalchemy import func, select

from foi_workflow.cli.main import app
from foi_workflow.config import Settings
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.services import notify
from foi_workflow.storage import db
from foi_workflow.storage.alert_tables import AlertRecipientRow, AlertSweepRow
from foi_workflow.storage.identity_tables import StaffChangeRow

from . import factories
from .test_sweep import DEPT, GOV, district, register, step  # noqa: F401  (fixture)

D = dt.date
runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):
            msg = message_from_bytes(envelope.content, policy=default_policy)
            self.messages.append((envelope.rcpt_tos, msg))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("FOI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FOI_SMTP_PORT", str(port))
    monkeypatch.setenv("FOI_SMTP_FROM", "duban@xq.gov.cn")
    yield inbox
    controller.stop()


def test_one_digest_per_supervisor_per_sweep_with_their_agencies_new_alerts(district, smtp_server):
    a = register(district, D(2026, 9, 1))                            # the government's case
    c = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")  # the department's case
    for staff, email in (("s1", "s1@xq.gov.cn"), ("s2", "s2@xq.gov.cn"), ("h1", "h1@xq.gov.cn"),
                         ("c1", "c1@xq.gov.cn")):
        res = runner.invoke(app, ["notify", "set", staff, "--email", email, "--as", "a1"])
        assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["notify", "set", "h1", "--off", "--as", "a1"]).exit_code == 0
    res = runner.invoke(app, ["sweep", "--today", "2026-10-13"])
    assert res.exit_code == 0, res.output
    assert "已发送 3 封" in res.stdout
    mails = {tuple(rcpt): msg for rcpt, msg in smtp_server.messages}
    assert set(mails) == {("s1@xq.gov.cn",), ("s2@xq.gov.cn",), ("c1@xq.gov.cn",)}  # h1 switched off
    gov, dept = mails[("s1@xq.gov.cn",)], mails[("s2@xq.gov.cn",)]
    subject = str(make_header(decode_header(gov["Subject"])))
    assert subject.startswith("【政府信息公开期限督办】2026-10-13 某区人民政府")
    assert subject.endswith("新增提醒 3 条（已逾期 3）")
    body = gov.get_content()
    assert a in body and c in body and "张承办" in body and "钱承办" in body   # its whole subtree
    assert body.index(a) < body.index(c) and "答复期限已过" in body
    dept_body = dept.get_content()
    assert c in dept_body and a not in dept_body                               # only its own
    assert "补正告知期限" in dept_body or "告知补正" in dept_body
    clerk_body = mails[("c1@xq.gov.cn",)].get_content()   # a clerk: only the board they may read
    assert a in clerk_body and c not in clerk_body and "foi board --as c1" in clerk_body
    # the next sweep raises nothing new: no mail at all
    smtp_server.messages.clear()
    res = runner.invoke(app, ["sweep", "--today", "2026-10-13"])
    assert res.exit_code == 0 and smtp_server.messages == []


def test_an_unreachable_mail_server_is_reported_and_the_alerts_are_kept(district, monkeypatch):
    register(district, D(2026, 9, 1))
    assert runner.invoke(app, ["notify", "set", "s1", "--email", "s1@xq.gov.cn", "--as", "a1"]).exit_code == 0
    monkeypatch.setenv("FOI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FOI_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setenv("FOI_SMTP_FROM", "duban@xq.gov.cn")
    res = runner.invoke(app, ["sweep", "--today", "2026-10-13"])
    assert res.exit_code == 1 and "s1@xq.gov.cn" in res.output and "无法连接" in res.output
    board = runner.invoke(app, ["board", "--json", "--as", "s1", "--today", "2026-10-13"])
    assert '"level": "overdue"' in board.stdout


def test_smtp_settings_are_checked_and_addresses_too(monkeypatch, district):
    register(district, D(2026, 9, 1))
    monkeypatch.setenv("FOI_SMTP_HOST", "mail.example")
    monkeypatch.setenv("FOI_SMTP_FROM", "nobody")
    with pytest.raises(InputError, match="FOI_SMTP_FROM"):
        notify.check_smtp(Settings.load().smtp)
    res = runner.invoke(app, ["sweep", "--today", "2026-10-13"])   # refused before sweeping
    assert res.exit_code == 2 and "FOI_SMTP_FROM" in res.output
    monkeypatch.setenv("FOI_SMTP_PORT", "70000")
    res = runner.invoke(app, ["sweep", "--today", "2026-10-13"])
    assert res.exit_code == 2 and "FOI_SMTP_PORT" in res.output
    with db.session_scope(district) as s:
        assert s.scalar(select(func.count()).select_from(AlertSweepRow)) == 0
    monkeypatch.delenv("FOI_SMTP_HOST")
    monkeypatch.delenv("FOI_SMTP_PORT")
    assert notify.check_smtp(Settings.load().smtp) is None
    res = runner.invoke(app, ["notify", "set", "s1", "--email", "not-an-address", "--as", "a1"])
    assert res.exit_code == 2 and "email" in res.output


def _set(url: str, who: str, staff: str, email: str | None = "s1@xq.gov.cn", enabled: bool = True):
    uow = factories.uow(url)
    principal = factories.principal(url, who)
    with uow:
        return notify.set_recipient(notify.SetRecipient(staff, email, enabled), uow, principal)


def _written(url: str) -> tuple[int, list]:
    with db.session_scope(url) as s:
        return (s.scalar(select(func.count()).select_from(AlertRecipientRow)),
                [(c.change, c.by, c.detail) for c in s.scalars(select(StaffChangeRow)
                                                               .where(StaffChangeRow.change == "notify_address")
                                                               .order_by(StaffChangeRow.id))])


def test_only_an_admin_may_set_a_digest_address(district):
    factories.staff(district, "da1", "冯管理", "admin", DEPT)
    for who in ("c1", "s1", "h1", "s2"):   # a clerk, even the supervisor for their own digest
        with pytest.raises(PermissionDenied) as refused:
            _set(district, who, "s1", "elsewhere@example.com")
        assert "设置督办摘要收件地址" in refused.value.rule and "管理员" in refused.value.rule
    with pytest.raises(PermissionDenied):  # an admin of a body below may not redirect the government's
        _set(district, "da1", "s1")
    res = runner.invoke(app, ["notify", "set", "s1", "--email", "elsewhere@example.com", "--as", "c1"])
    assert res.exit_code == 2 and "设置督办摘要收件地址" in res.output
    res = runner.invoke(app, ["notify", "set", "s1", "--email", "elsewhere@example.com"])
    assert res.exit_code == 2 and "--as" in res.output
    assert _written(district) == (0, [])   # nothing written by any refusal
    rec = _set(district, "a1", "s2", "s2@xq.gov.cn")       # the government's admin, for a body below
    assert rec.email == "s2@xq.gov.cn" and rec.enabled
    _set(district, "da1", "s2", None, enabled=False)       # the department's own admin
    count, changes = _written(district)
    assert count == 1 and [(c, by) for c, by, _d in changes] == [("notify_address", "a1"),
                                                               ("notify_address", "da1")]
    assert changes[0][2]["email"] == "s2@xq.gov.cn" and changes[0][2]["previous"] is None
    assert changes[1][2] == {"email": "s2@xq.gov.cn", "enabled": False,
                             "previous": {"email": "s2@xq.gov.cn", "enabled": True}}
    res = runner.invoke(app, ["notify", "list", "--as", "a1", "--json"])
    assert res.exit_code == 0, res.output
    assert [(r["staff"], r["enabled"]) for r in json.loads(res.stdout)] == [("s2", False)]
    res = runner.invoke(app, ["notify", "list", "--as", "s1"])
    assert res.exit_code == 2 and "设置督办摘要收件地址" in res.output


# ----- flows and deployments (the shared Prefect backend) ---------------------------------------------

@pytest.fixture(scope="module")
def sweep_flows(prefect_dir):
    from .prefect_harness import prefect_home

    with prefect_home(prefect_dir):
        import flows.sweep as module
    return module


def test_sweep_flow_skips_a_holiday_and_records_an_artifact_on_a_working_day(
        district, prefect_backend, sweep_flows):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    no = register(district, D(2026, 9, 1))
    skipped = sweep_flows.deadline_sweep_flow(today="2026-10-03")
    assert skipped == {"today": "2026-10-03", "skipped": "非工作日"}
    out = sweep_flows.deadline_sweep_flow(today="2026-10-10")  # a make-up Saturday: it runs
    assert out["raised_total"] == 2 and out["mail"]["disabled"] is True and out["by"] == "system"
    with db.session_scope(district) as s:   # the scheduler ran it, the flow run its operator
        assert s.get(AlertSweepRow, out["sweep_id"]).summary["operator"].startswith("prefect:")
    with get_client(sync_client=True) as client:
        [art] = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["deadline-sweep"])), limit=1)
    assert no in str(art.data) and "新增提醒 2 条" in art.description


def test_calendar_recompute_flow_reports_the_moved_cases(district, prefect_backend, sweep_flows):
    from foi_workflow.calendar_data.service import LoadYear, load_year
    from tests.conftest import TEST_DATA

    no = register(district, D(2026, 12, 20))
    load_year(LoadYear(TEST_DATA / "calendar-2027-test.toml"), factories.uow(district),
              factories.principal(district, "a1"))
    out = sweep_flows.calendar_recompute_flow(today="2026-12-31")
    assert [m["case_no"] for m in out["moved"]] == [no]
    assert out["moved"][0]["changed"] == {"provisional": {"from": True, "to": False}}


def test_the_deployments_register_with_a_real_prefect_api_on_a_shanghai_cron(prefect_backend, sweep_flows):
    from prefect import get_client

    from flows.deployments import DEPLOYMENTS, runner_deployments

    assert [d.name for d in DEPLOYMENTS][0] == "deadline-sweep"
    [dep] = runner_deployments(["deadline-sweep"])
    dep_id = dep.apply()
    with get_client(sync_client=True) as client:
        stored = client.read_deployment(dep_id)
    assert stored.entrypoint == "flows/sweep.py:deadline_sweep_flow"
    [schedule] = stored.schedules
    assert schedule.schedule.cron == "0 8 * * *" and schedule.schedule.timezone == "Asia/Shanghai"
    assert stored.parameters == {"working_days_only": True}


def test_foi_serve_needs_a_prefect_api_url(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    res = runner.invoke(app, ["serve"])
    assert res.exit_code == 2 and "PREFECT_API_URL" in res.output
