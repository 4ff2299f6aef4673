"""bench/web.py's data: an agency tree with its staff, made through the services, then N cases
loaded set-wise (INSERT … SELECT from generate_series) straight into the tables the migrations
made, cloned from template cases that the services registered and stepped.

Why templates: a case page replays the case's history, so every case needs real events. About
70 template cases are registered and taken through real moves by services.cases (in a
template agency, "bw-tpl"): received (register only, received 0–3 working days before TODAY),
awaiting correction, in process (accepted, receipt issued; some extended; some overdue), and
closed (the full path to reply and its delivery, received over 2024–2026). Each clone copies a
template's case row (every derived column: reply_due, alerts, state ...), its events and items,
with its own number (<agency>-<year>-<nnnnn>, the agency's series), agency, handler, subject,
applicant (a generated person or organisation; repeat applicants) and contact; the events'
actors become the clone agency's staff. Notices are not cloned (only the templates have them).

Distribution: 100 agencies — a city government, 9 districts, 10 bodies under each — with a
mild skew (agency rank r gets a share ∝ the increments of (r/100)^(1/1.3): the busiest ~2.9% of
cases, the quietest ~0.8%); 96.5% closed, 1% received, 0.5% awaiting correction, 2% in
process (1.5% within their time limit, 0.5% extended or overdue): ~3.5% open, as a year's
intake of a 20-working-day procedure spread over three years. Handlers: one of the agency's
three clerks by hash.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant
from foi_workflow.services import accounts, auth, cases
from foi_workflow.storage.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 30)  # a Monday; the web server runs with FOI_TODAY=this
OFFSET = 1_000_000            # cloned case ids start above the templates'
SLOTS = 1000
SKEW = 1.3
CLERKS = 3
TPL = "bw-tpl"
SUBJECTS = ("某地块征收补偿方案", "东湖片区控制性详细规划", "某路拓宽工程批复", "2025年度部门预算执行情况",
            "某小区电梯加装审批材料", "某河道整治工程环境影响评价报告", "某企业排污许可证及监测数据",
            "某学校新建项目立项批复", "某村集体土地征收公告", "某医院医疗废物处置合同",
            "城市更新项目拆迁安置方案", "某路段交通信号配时方案", "某区公共租赁住房分配名单",
            "2026年重大行政决策事项目录", "某工业园区规划环评审查意见", "某农贸市场改造招标文件",
            "某街道老旧小区改造资金使用情况", "某建设项目规划许可证及附图", "某供热企业价格成本监审报告",
            "某公园建设项目用地预审意见")
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平")
ORGS = ("某建设有限公司", "某律师事务所", "某环保科技有限公司", "某研究院", "某公益基金会", "某物业服务有限公司")
CONTACT = dict(contact_office="政府信息公开办公室", contact_person="王明", contact_phone="0354-1234567",
               contact_address="山西省晋中市榆次区迎宾街1号", contact_postcode="030600",
               contact_email="gongkai@example.gov.cn", payee="某区财政局", bank="某银行", account="0000",
               payment_method="窗口缴纳")
REPLY = {"outcome": "disclosed", "provided": "所申请信息的全文", "form": "electronic", "delivery": "online"}


@dataclass(frozen=True)
class Office:
    agencies: list[tuple[int, str]]     # (id, code) by rank: the busiest first
    tpl_agency: int


def _who(u, code: str):
    return auth.principal_for(code, u, operator="bench", via="cli")


def directory(url: str, *, users: int, password: str) -> Office:
    """The agency tree, every agency's staff (clerks c1–c3, reviewer r1, head h1), through the
    account services; the first `users` clerks (two per agency, busiest first) get a password."""
    from foi_workflow.domain.settings import AgencySettings

    settings = AgencySettings(**CONTACT)
    u = SqlUnitOfWork(Settings.load(database_url=url))
    tree, ranked = _tree()
    with_password = {f"{code}-c{k}" for code, *_ in ranked[: (users + 1) // 2] for k in (1, 2)}
    with u:
        setup = auth.bootstrap_principal(u, operator="bench")
        for code, name, kind, parent in tree:
            accounts.add_agency(accounts.AddAgency(code, name, kind, parent, settings), u, setup)
        for code, *_ in tree:
            staff = [(f"{code}-c{k}", "clerk") for k in range(1, CLERKS + 1)] + [(f"{code}-r1", "reviewer"),
                                                                                   (f"{code}-h1", "head")]
            for n, (sc, role) in enumerate(staff):
                accounts.create_account(accounts.CreateAccount(
                    sc, f"{FAMILY[hash_int(sc) % len(FAMILY)]}{GIVEN[n]}", code, sc.upper()[-40:], (role,),
                    password if sc in with_password else None), u, setup)
    return office(url)


def _tree() -> tuple[list[tuple[str, str, str, str | None]], list[tuple[str, str, str, str | None]]]:
    """The agencies (code, name, kind, parent), and the 100 served by rank (the busiest first:
    bodies, in a fixed shuffle)."""
    tree: list[tuple[str, str, str, str | None]] = [("bw", "某市人民政府", "government", None)]
    for d in range(1, 10):
        tree.append((f"bw-d{d}", f"某市第{d}区人民政府", "government", "bw"))
        tree += [(f"bw-d{d}-b{b:02d}", f"某市第{d}区第{b}局", "department", f"bw-d{d}") for b in range(1, 11)]
    ranked = sorted(tree, key=lambda t: (t[2] != "department", hash_int(t[0])))
    tree.append((TPL, "基准测试模板机关", "government", None))
    return tree, ranked


def office(url: str) -> Office:
    """The agencies of a loaded bench database, by rank."""
    from foi_workflow.storage import db

    with db.get_engine(url).connect() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM agencies")).tuples().all())
    return Office([(ids[c], c) for c, *_ in _tree()[1]], ids[TPL])


def loaded_cases(url: str) -> int:
    from foi_workflow.storage import db

    with db.get_engine(url).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM cases WHERE id > :o"), {"o": OFFSET}).scalar() or 0


def hash_int(s: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(s.encode()).digest()[:4], "big")


def _working_days_before(calendar, day: dt.date, n: int) -> dt.date:
    d = day
    while n > 0:
        d -= dt.timedelta(days=1)
        if calendar.is_working_day(d):
            n -= 1
    return d


def _after(calendar, day: dt.date, n: int) -> dt.date:
    return dt.date.fromordinal(calendar.nth_working_date_after(day.toordinal(), n)[0].toordinal()) \
        if n else day


def templates(url: str) -> dict[str, list[int]]:
    """Register and step the template cases through the services; their ids by kind."""

    s = Settings.load(database_url=url)
    u = SqlUnitOfWork(s)
    with u:
        calendar = cases.session_calendar(u.session)
        clerk, reviewer, head = (_who(u, f"{TPL}-{k}") for k in ("c1", "r1", "h1"))
    applicant = Applicant("commercial", "某公司", "credit_code", "91140700MA0GRXQJ7Y", contact_person="王经理")
    out: dict[str, list[int]] = {"received": [], "correction": [], "in_process": [], "late": [], "closed": []}

    def register(received: dt.date) -> str:
        return cases.register(cases.Register(TPL, applicant, "online", received, ("模板申请",), "electronic",
                                             "online"), SqlUnitOfWork(s), clerk, today=TODAY).case_no

    def step(no: str, kind: str, who, on: dt.date, data: dict[str, Any] | None = None) -> None:
        cases.step(cases.Step(no, kind, min(on, TODAY), data or {}), SqlUnitOfWork(s), who, today=TODAY)

    made: list[tuple[str, str]] = []
    for k in range(0, 4):
        made.append(("received", register(_working_days_before(calendar, TODAY, k))))
    for k in range(2, 16):
        r = _working_days_before(calendar, TODAY, k)
        no = register(r)
        step(no, "request_correction", clerk, _after(calendar, r, 1), {"items": "请写明所需信息的文号或名称"})
        made.append(("correction", no))
    for k in range(1, 21, 2):
        r = _working_days_before(calendar, TODAY, k)
        no = register(r)
        step(no, "accept", clerk, _after(calendar, r, 1))
        step(no, "acknowledge", clerk, _after(calendar, r, 1))
        made.append(("in_process", no))
    for k in range(15, 35, 2):  # extended (by the head) or, past 20 working days without, overdue
        r = _working_days_before(calendar, TODAY, k)
        no = register(r)
        step(no, "accept", clerk, _after(calendar, r, 1))
        step(no, "acknowledge", clerk, _after(calendar, r, 1))
        if k % 4 == 1:
            step(no, "extend", head, _after(calendar, r, 8), {"days": 10, "reasons": "需要调取档案"})
        made.append(("late", no))
    start = dt.date(2024, 1, 8)
    for k in range(36):
        r = start + dt.timedelta(days=k * 29)
        if not calendar.is_working_day(r):
            r = _after(calendar, r, 1)
        if r > _working_days_before(calendar, TODAY, 40):
            break
        no = register(r)
        step(no, "accept", clerk, _after(calendar, r, 1))
        step(no, "acknowledge", clerk, _after(calendar, r, 1))
        if k % 10 == 3:
            step(no, "extend", head, _after(calendar, r, 8), {"days": 10, "reasons": "需要调取档案"})
        step(no, "sign_off", reviewer, _after(calendar, r, 9), {"decision": "disclose"})
        step(no, "reply", head, _after(calendar, r, 10), REPLY)
        step(no, "reply_delivered", clerk, _after(calendar, r, 14))
        made.append(("closed", no))
    with u:
        ids = dict(u.session.execute(text("SELECT case_no, id FROM cases")).tuples().all())
    for kind, no in made:
        out[kind].append(ids[no])
    return out


# shares of the SLOTS slots (per thousand)
SHARES = {"received": 10, "correction": 5, "in_process": 15, "late": 5}


def _columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t "
        "ORDER BY ordinal_position"), {"t": table})]


TIMES: list[tuple[str, float]] = []  # (statement, seconds) of the last load, for --verbose


class _Timed:
    """A connection whose statements' times go to TIMES."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, stmt, *args):
        t0 = time.perf_counter()
        try:
            return self.conn.execute(stmt, *args)
        finally:
            TIMES.append((" ".join(str(stmt).split())[:60], time.perf_counter() - t0))


def load(url: str, office: Office, tpl: dict[str, list[int]], n: int) -> None:
    """N cases cloned from the templates set-wise, in one transaction per table, then ANALYZE."""
    from foi_workflow.storage import db

    slots: list[int] = []
    for kind, share in SHARES.items():
        slots += [tpl[kind][i % len(tpl[kind])] for i in range(share)]
    closed = tpl["closed"]
    slots += [closed[i % len(closed)] for i in range(SLOTS - len(slots))]
    engine = db.get_engine(url)
    q = lambda s: '"' + s + '"'  # noqa: E731
    with engine.begin() as raw:
        conn = _Timed(raw)
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))
        # the tables' plain indexes are dropped for the load and made again from their own
        # definitions after it (one sort each instead of a million inserts into each); the
        # indexes behind primary keys and unique constraints stay and check every row
        indexes = conn.execute(text("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename IN ('cases', 'case_events', 'case_contacts', 'case_items', 'applicants')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""")).all()
        for name, _def in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("CREATE UNLOGGED TABLE bw_slots (slot int PRIMARY KEY, tpl int)"))
        conn.execute(text("INSERT INTO bw_slots VALUES " + ",".join(f"({i},{t})" for i, t in enumerate(slots))))
        conn.execute(text("CREATE UNLOGGED TABLE bw_agencies (idx int PRIMARY KEY, id int, code text)"))
        conn.execute(text("INSERT INTO bw_agencies VALUES " + ",".join(
            f"({i},{a},'{c}')" for i, (a, c) in enumerate(office.agencies))))
        k = len(office.agencies)
        conn.execute(text(f"""
            CREATE UNLOGGED TABLE bw_stage AS
            SELECT g.n, s.tpl, a.id AS agency_id, a.code, 1 + abs(hashint4(g.n * 3 + 1)) % {CLERKS} AS clerk,
                   1 + abs(hashint4(g.n * 11 + 5)) % {len(SUBJECTS)} AS subject,
                   1 + abs(hashint4(g.n * 13 + 7)) % GREATEST(({n} * 7) / 10, 1) AS applicant
            FROM generate_series(1, {n}) AS g(n)
            JOIN bw_slots s ON s.slot = abs(hashint4(g.n)) % {SLOTS}
            JOIN bw_agencies a ON a.idx = LEAST({k - 1},
                 floor({k} * power((abs(hashint4(g.n * 7 + 3)) % 1000003)::float8 / 1000003.0, {SKEW}::float8))::int)"""))
        conn.execute(text("ALTER TABLE bw_stage ADD PRIMARY KEY (n)"))
        # applicants: people (3/4, by resident identity card) and organisations (by credit code)
        a = max((n * 7) // 10, 1)
        fam = "(ARRAY[" + ",".join(f"'{c}'" for c in FAMILY) + "])"
        giv = "(ARRAY[" + ",".join(f"'{c}'" for c in GIVEN) + "])"
        org = "(ARRAY[" + ",".join(f"'{c}'" for c in ORGS) + "])"
        conn.execute(text(f"""
            INSERT INTO applicants (id, kind, name, id_type, id_number, contact, match_key, legal_representative,
                                    contact_person, phone, address, postcode, email)
            SELECT {OFFSET} + i,
                   CASE WHEN i % 4 = 0 THEN (ARRAY['commercial','research','public_interest','legal_services'])[1 + (i / 4) % 4]
                        ELSE 'natural_person' END,
                   CASE WHEN i % 4 = 0 THEN '第' || i || {org}[1 + i % 6]
                        ELSE {fam}[1 + i % 20] || {giv}[1 + (i / 20) % 20] END,
                   CASE WHEN i % 4 = 0 THEN 'credit_code' ELSE 'resident_id' END,
                   CASE WHEN i % 4 = 0 THEN '9114' || lpad(i::text, 14, '0') ELSE '1401' || lpad(i::text, 14, '0') END,
                   '', 'bw:' || i, '', CASE WHEN i % 4 = 0 THEN '王经理' ELSE '' END,
                   '139' || lpad((i % 100000000)::text, 8, '0'), '山西省晋中市某区某街' || (i % 300) || '号', '030600', ''
            FROM generate_series(1, {a}) AS i"""))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('applicants', 'id'), (SELECT max(id) FROM applicants))"))
        cols = _columns(conn, "cases")
        own = {"id": f"{OFFSET} + st.n",
               "case_no": "st.code || '-' || extract(year FROM t.received)::int || '-' || lpad((row_number() OVER "
                          "(PARTITION BY st.agency_id, extract(year FROM t.received) ORDER BY st.n))::text, 5, '0')",
               "agency_id": "st.agency_id", "applicant_id": f"{OFFSET} + st.applicant",
               "applicant_kind": "ap.kind", "handler": "st.code || '-c' || st.clerk",
               "subject": f"(ARRAY[{','.join(repr(x) for x in SUBJECTS)}])[st.subject]"}
        conn.execute(text(f"""
            INSERT INTO cases ({", ".join(q(c) for c in cols)})
            SELECT {", ".join(own.get(c, "t." + q(c)) for c in cols)}
            FROM bw_stage st JOIN cases t ON t.id = st.tpl JOIN applicants ap ON ap.id = {OFFSET} + st.applicant"""))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
        conn.execute(text("""
            INSERT INTO case_contacts (case_id, name, contact, legal_representative, contact_person, phone, address,
                                       postcode, email)
            SELECT c.id, ap.name, '', '', ap.contact_person, ap.phone, ap.address, ap.postcode, ''
            FROM cases c JOIN applicants ap ON ap.id = c.applicant_id WHERE c.id > :off"""), {"off": OFFSET})
        conn.execute(text("""
            INSERT INTO case_items (case_id, n, description, document_no)
            SELECT c.id, 1, c.subject, '' FROM cases c WHERE c.id > :off"""), {"off": OFFSET})
        ecols = [c for c in _columns(conn, "case_events") if c != "id"]
        eown = {"case_id": f"{OFFSET} + st.n", "request_id": "NULL",
                "actor": "CASE e.actor WHEN 'bw-tpl-c1' THEN st.code || '-c' || st.clerk "
                         "ELSE replace(e.actor, 'bw-tpl-', st.code || '-') END"}
        conn.execute(text(f"""
            INSERT INTO case_events ({", ".join(q(c) for c in ecols)})
            SELECT {", ".join(eown.get(c, "e." + q(c)) for c in ecols)}
            FROM bw_stage st JOIN case_events e ON e.case_id = st.tpl"""))
        conn.execute(text("""
            INSERT INTO number_series (agency_id, series, year, last)
            SELECT agency_id, 'case', extract(year FROM received)::int, count(*) FROM cases
            WHERE id > :off GROUP BY 1, 3
            ON CONFLICT (agency_id, series, year) DO UPDATE SET last = EXCLUDED.last"""), {"off": OFFSET})
        for t in ("bw_stage", "bw_slots", "bw_agencies"):
            conn.execute(text(f"DROP TABLE {t}"))
        for _name, definition in indexes:
            conn.execute(text(definition))
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    TIMES.append(("VACUUM ANALYZE", time.perf_counter() - t0))


def work(url: str, office: Office, users: int) -> list[dict[str, Any]]:
    """Each simulated person: their code, agency, the open cases of their agency (what they open
    from the inbox) and the received ones (what they accept), shared out between the two clerks."""
    from foi_workflow.storage import db

    out = []
    with db.get_engine(url).connect() as conn:
        for i in range(users):
            agency_id, code = office.agencies[i // 2]
            rows = conn.execute(text("SELECT case_no, state FROM cases WHERE agency_id = :a AND state <> 'closed' "
                                     "ORDER BY id"), {"a": agency_id}).all()
            received = [no for no, state in rows if state == "received"]
            out.append({"code": f"{code}-c{1 + i % 2}", "agency_id": agency_id, "open": [no for no, _ in rows],
                        "received": received[i % 2::2]})
    return out
