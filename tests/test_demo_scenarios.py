"""Every scenario of `make demo` (flows/demo.py) is valid under the rules, without Prefect.

The demo drives its scenarios through the Prefect flows; here the same moves go through the
services the flows call (services.cases.register and step, services.bulk for the legacy
register) on a scratch database, so that a rule change which breaks `make demo` fails
`make test` first: each scenario's moves are accepted, by the same accounts, and the case ends
where the scenario says (its outcome or its open state).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from flows import demo
from flows.steps import STAGES
from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.parsing import parse_date
from foi_workflow.services import auth, bulk, cases, views
from foi_workflow.storage.uow import SqlUnitOfWork

TODAY = dt.date(2026, 12, 1)  # after every scenario's last move


@pytest.fixture
def district(clean_db: str) -> Settings:
    settings = Settings.load(database_url=clean_db)
    assert demo.set_up_district(settings)
    return settings


def _principal(settings: Settings, code: str):
    u = SqlUnitOfWork(settings)
    with u:
        return auth.principal_for(code, u, operator="test", via="cli")


def _run_scenarios(settings: Settings) -> dict[int, str]:
    case_numbers: dict[int, str] = {}
    for n, (title, agency, applicant, channel, received, subject, moves) in enumerate(demo.SCENARIOS, 1):
        reg = cases.register(cases.Register(agency, Applicant.of(applicant), channel,
                                            parse_date(received, "received"), (subject,),
                                            **demo.form_and_delivery(channel)),
                             SqlUnitOfWork(settings), _principal(settings, demo.actor(agency, "c")), today=TODAY)
        case_numbers[n] = reg.case_no
        for k, (move, who, on, data) in enumerate(moves, 1):
            try:
                cases.step(cases.Step(reg.case_no, move, parse_date(on, "on"), demo.resolved(data, case_numbers)),
                           SqlUnitOfWork(settings), _principal(settings, demo.actor(agency, who)), today=TODAY)
            except Exception as exc:  # name the scenario and the move that the rules refuse
                raise AssertionError(f"场景{n}“{title}”第{k}步 {move} 被拒绝：{exc}") from exc
    return case_numbers


def test_every_demo_scenario_is_accepted_by_the_rules_and_ends_as_its_title_says(district):
    settings = district
    case_numbers = _run_scenarios(settings)
    u = SqlUnitOfWork(settings)
    with u:
        rows = {n: cases.load(u.session, no)[0] for n, no in case_numbers.items()}
    for n, (title, *_rest, moves) in enumerate(demo.SCENARIOS, 1):
        row = rows[n]
        assert row.event_count == len(moves) + 1, title
        closing = [m for m, *_ in moves if m in ("reply", "reply_on_spot", "withdraw", "correction_lapsed",
                                                 "fee_lapsed")]
        assert (row.state == "closed") == bool(closing), title
        replies = [d for m, _w, _o, d in moves if m in ("reply", "reply_on_spot")]
        if replies:
            assert row.outcome == replies[-1]["outcome"], title


def test_every_demo_move_belongs_to_a_stage_flow():
    stage_moves = {m for _label, moves in STAGES.values() for m in moves}
    assert {m for *_x, moves in demo.SCENARIOS for m, *_ in moves} <= stage_moves


def test_the_demo_duplicate_names_the_earlier_reply_of_the_same_applicant(district):
    """36(6): the demo's duplicate repeats scenario 2's reply, looked up from its case."""
    settings = district
    case_numbers = _run_scenarios(settings)
    n = next(i for i, s in enumerate(demo.SCENARIOS, 1) if s[0] == "重复申请")
    earlier = next(d["earlier_case"].scenario for m, _w, _o, d in demo.SCENARIOS[n - 1][-1] if m == "reply")
    u = SqlUnitOfWork(settings)
    with u:
        _row, events, _case = cases.load(u.session, case_numbers[n])
        (item,) = events[-1].data["items"]
        earlier_no = views._reply_numbers(u.session, [cases.load(u.session, case_numbers[earlier])[0].id])
    (doc_no, issued), = earlier_no.values()
    assert (item["earlier_case"], item["earlier_doc_no"], item["earlier_date"]) == \
        (case_numbers[earlier], doc_no, issued)


def test_the_demo_legacy_register_imports_under_the_rules(district):
    settings = district
    for agency in demo.IMPORTERS:
        lines = [json.dumps({**x, **demo.form_and_delivery(x["channel"])}, ensure_ascii=False)
                 for x in demo.LEGACY if x["agency"] == agency]
        report = bulk.import_register(bulk.ImportRegister(lines), SqlUnitOfWork(settings),
                                      _principal(settings, f"{agency}-admin"), today=TODAY)
        assert (report.errors, report.imported) == ([], len(lines))
