"""Shared factories for the tests: units of work, agencies, accounts, principals and case steps.

Everything goes through the services as an entry point would: accounts are made by the
first-run set-up principal (services/auth.bootstrap_principal's kind), principals are looked up
server-side (services/auth.principal_for), and steps go through services.cases.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.identity import Principal, Role
from foi_workflow.domain.settings import AgencySettings
from foi_workflow.services import accounts, auth, cases
from foi_workflow.services.cases import StepResult
from foi_workflow.storage.uow import SqlUnitOfWork

OPERATOR = "test"
# A first-run set-up principal: may create agencies and accounts (never acts on cases).
SETUP = Principal(0, "system-bootstrap", "初始设置", 0, (), frozenset(), operator=OPERATOR,
                  via="cli", bootstrap=True)
# an organisation as Art 29 asks: its unified social credit code (valid check character) and
# a contact person
CREDIT_CODE = "91140700MA0GRXQJ7Y"
DEFAULT_APPLICANT = Applicant("commercial", "某公司", "credit_code", CREDIT_CODE, contact_person="王经理",
                              phone="13912345678")


def uow(url: str, **settings: Any) -> SqlUnitOfWork:
    return SqlUnitOfWork(Settings.load(database_url=url, **settings))


def _installer(u: SqlUnitOfWork, agency_code: str | None) -> Principal:
    """Who sets up an agency tree in a test: the first set-up until an admin covers the agency,
    then that admin (as an office would)."""
    found = u.directory.agency_by_code(agency_code) if agency_code else None
    if found is not None:
        for a in u.directory.accounts(u.directory.agency_path(found.id)):
            if a.active and Role.ADMIN in a.roles:
                return auth.make_principal(u, a, operator=OPERATOR, via="cli")
    return SETUP


# Every notice states the agency's contact, the fee notice how to pay (an agency without them
# issues no notice): the test agencies have both unless a test gives its own settings.
CONTACT = dict(contact_office="政府信息公开办公室", contact_person="王明", contact_phone="0354-1234567",
               contact_address="山西省晋中市榆次区迎宾街1号", contact_postcode="030600",
               contact_email="gongkai@example.gov.cn")
PAYMENT = dict(payee="晋中市榆次区财政局", bank="中国工商银行晋中分行", account="0508001234567890123",
               payment_method="持本通知书到本机关政府信息公开申请受理窗口缴纳，或通过非税收入缴款码缴纳")
WITH_CONTACT = AgencySettings(**CONTACT, **PAYMENT)


def agency(url: str, code: str, name: str, kind: str, parent: str | None = None,
           settings: AgencySettings | None = None):
    settings = settings if settings is not None else WITH_CONTACT
    u = uow(url)
    with u:
        return accounts.add_agency(accounts.AddAgency(code, name, kind, parent, settings), u,
                                   _installer(u, parent))


def identifier_for(code: str) -> str:
    return "T-" + re.sub(r"[^A-Z0-9-]", "-", code.upper())[:29]


def staff(url: str, code: str, name: str, roles: str | Iterable[str], agency_code: str, *,
          identifier: str | None = None, password: str | None = None):
    """An account (roles: "clerk" or "clerk,reviewer" or a list)."""
    u = uow(url)
    roles = roles if isinstance(roles, str) else tuple(roles)
    with u:
        return accounts.create_account(
            accounts.CreateAccount(code, name, agency_code, identifier or identifier_for(code), roles,
                                   password), u, _installer(u, agency_code))


def principal(url: str, code: str, *, operator: str = OPERATOR, via: str = "cli") -> Principal:
    u = uow(url)
    with u:
        return auth.principal_for(code, u, operator=operator, via=via)


def system(url: str, agency_code: str) -> Principal:
    u = uow(url)
    with u:
        found = u.directory.agency_by_code(agency_code)
        assert found is not None
        return auth.system_principal(u, found.id, operator=OPERATOR)


def register(url: str, *, agency: str, actor: str | Principal, received: dt.date,
             applicant: Applicant = DEFAULT_APPLICANT, channel: str = "online",
             subject: str = "某地块征收补偿方案", request_id: str | None = None,
             today: dt.date | None = None, items: Iterable[Any] | None = None,
             form: str = "electronic", delivery: str = "online", oral: bool = False) -> StepResult:
    """A registration; `items` default to the one item `subject`."""
    who = actor if isinstance(actor, Principal) else principal(url, actor)
    return cases.register(cases.Register(agency, applicant, channel, received,
                                         tuple(items) if items is not None else (subject,),
                                         form, delivery, oral, request_id),
                          uow(url), who, today=today)


def step(url: str, case_no: str, kind: str, actor: str | Principal, on: dt.date, /, *,
         today: dt.date | None = None, request_id: str | None = None, **data: Any) -> StepResult:
    """One move; its data as keywords (positional-only parameters leave `kind` free for data). A
    one-item reply given by its `outcome` gets the required elements it leaves out (reply_data)."""
    who = actor if isinstance(actor, Principal) else principal(url, actor)
    return cases.step(cases.Step(case_no, kind, on, complete_reply(kind, data), request_id), uow(url), who,
                      today=today)


# What a reply says for each decision (ogi-rules.md "What a reply must say"): realistic wording
# of every element the law requires (domain/replies.ELEMENTS), for the default application
# (form electronic, delivery online).
REPLY_ELEMENTS: dict[str, Any] = {
    "where": "本机关门户网站“政府信息公开”专栏（http://www.example.gov.cn/xxgk/2026/0301.html）",
    "provided": "《某地块征收补偿方案》（2026年3月印发）全文",
    "form": "electronic", "delivery": "online",
    "withheld": "方案附表中被征收人的姓名、身份证号码和联系电话",
    "ground": "third_party_rights",
    "reasons": "所申请的信息涉及第三方个人隐私，第三方不同意公开",
    "search": "本机关检索了2020年以来的收文、发文登记和档案目录，未找到所申请的信息",
    "right_agency_contact": "0354-7654321",
    "channel": "请通过信访渠道向本机关信访办公室提出（地址：迎宾街1号，电话：0354-1234500）",
    "earlier_doc_no": "晋中榆政公开〔2026〕1号", "earlier_date": "2026-02-10",
}


def reply_data(outcome: str, *, asked: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The data of a one-item reply with `outcome` and its required elements (REPLY_ELEMENTS),
    the information provided in the form and way the application `asked` for (its "form" and
    "delivery"; default electronic, online), the overrides given winning (an unknown outcome is
    passed on as it is, to be refused)."""
    from foi_workflow.domain.replies import ELEMENTS

    required, _optional = ELEMENTS.get(outcome, ((), ()))
    elements = {**REPLY_ELEMENTS, **(asked or {})}
    return {"outcome": outcome, **{k: elements[k] for k in required}, **overrides}


def complete_reply(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A one-item reply move's data (reply, reply_on_spot, given by `outcome`) with the required
    elements it does not give filled in (reply_data); a reply with `items` and other moves'
    data as they are."""
    if kind in ("reply", "reply_on_spot") and "items" not in data and isinstance(data.get("outcome"), str):
        return {**reply_data(data["outcome"]), **data}
    return data


# what a bulk-intake line says of the application besides its subject (Art 29)
BULK_APPLICATION = {"form": "electronic", "delivery": "online"}


def bulk_applicant(kind: str, name: str, n: int) -> dict[str, str]:
    """A bulk line's applicant: a person by passport E<n>, an organisation by a credit code of its
    own (GB 32100 check character) with a contact person."""
    from foi_workflow.domain.applicants import credit_code_check

    if kind == "natural_person":
        return {"kind": kind, "name": name, "id_type": "passport", "id_number": f"E{n:08d}"}
    base17 = f"911407{n:011d}"
    return {"kind": kind, "name": name, "credit_code": base17 + credit_code_check(base17),
            "contact_person": "王经理"}
