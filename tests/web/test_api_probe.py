"""The bare endpoints of bench/web.py (web/bench_probe.py) exist only when the bench turns them
on: a production app answers them as unknown pages."""

from __future__ import annotations

from foi_workflow.config import Settings

from .. import factories as f
from .conftest import AGENCY, TODAY, web_settings


def test_the_bench_s_bare_endpoints_are_not_served_unless_the_bench_enables_them(office):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    with TestClient(create_app(web_settings(office)), raise_server_exceptions=False) as c:
        assert c.get(f"/_bench/cases/{case_no}").status_code == 404
        assert c.get("/_bench/inbox/1").status_code == 404
    assert Settings.load(database_url=office).web_bench_probe is False
    on = Settings.load(database_url=office, today=TODAY, web_secret="x" * 32, web_bench_probe=True)
    with TestClient(create_app(on)) as c:
        assert c.get(f"/_bench/cases/{case_no}").json() == {"case_no": case_no, "events": 1}
        u = f.uow(office)
        with u:
            agency_id = u.directory.agency_by_code(AGENCY).id
        assert c.get(f"/_bench/inbox/{agency_id}").json() == {"n": 1, "cases": [case_no]}
