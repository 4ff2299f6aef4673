"""Regenerate the workbench's screenshots in docs/screenshots/ from the demo database.

    make screenshots            # after `make demo`: out/demo.sqlite3 and out/demo-sign-ins.json
    FOI_DATABASE_URL=sqlite:///elsewhere.sqlite3 python -m tests.web.screenshots --sign-ins elsewhere.json

The same set-up as the browser tests (tests/web/test_browser.py): the app served by uvicorn in a
thread on 127.0.0.1, the distribution's headless Chromium driven by Selenium, nothing downloaded.
The people shown are demo accounts (the demo's documented password); the pages are whole-page
captures 1280 pixels wide. Personal data on the pages is the demo's invented data, masked as the
workbench masks it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 1280
MAX_HEIGHT = 3000   # a long page (the annual report) is shown from its top


def _server(settings):
    import uvicorn

    from foi_workflow.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                        log_level="warning", access_log=False))
    threading.Thread(target=srv.run, daemon=True).start()
    for _ in range(200):
        if srv.started:
            return srv, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    raise SystemExit("工作台未能启动（uvicorn）")


def _driver():
    from selenium.common.exceptions import WebDriverException

    from .test_browser import _binaries, _new_driver

    if _binaries() is None:
        raise SystemExit("未找到 chromium 和 chromedriver（Debian/Ubuntu：apt-get install chromium chromium-driver）")
    try:
        return _new_driver(Path(tempfile.mkdtemp(prefix="foi-shots-")))
    except WebDriverException as exc:
        raise SystemExit(f"Chromium 未能启动：{type(exc).__name__}") from None


def _sign_in(driver, site: str, code: str, password: str) -> None:
    from .test_browser import by_id, submit

    driver.delete_all_cookies()
    driver.get(site + "/login")
    by_id(driver, "code").send_keys(code)
    by_id(driver, "password").send_keys(password)
    submit(driver, by_id(driver, "password"))
    if "/login" in driver.current_url:
        raise SystemExit(f"演示账户 {code} 未能登录：演示数据库与登录信息不一致，请重新运行 make demo")


def _shot(driver, path: Path) -> None:
    """The whole page, WIDTH CSS pixels wide (Chromium's DevTools capture beyond the viewport)."""
    import base64

    height = int(driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": max(600, min(height, MAX_HEIGHT)), "deviceScaleFactor": 1,
                            "mobile": False})
    try:
        time.sleep(0.2)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": WIDTH, "height": max(600, min(height, MAX_HEIGHT)), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# the accounts README.md names for the demo (a department's clerk, the district's supervisor,
# the department's head), when the demo has them
PREFERRED = {"clerk": "yuci-zrzy-c", "supervisor": "yuci-s", "head": "yuci-zrzy-h"}


def _pick(accounts: list[dict], agencies: list[str], role: str) -> dict:
    """The README's demo account for the role, else the first with the role in the first of
    these agencies that has one."""
    for a in accounts:
        if a["code"] == PREFERRED.get(role) and role in a["roles"]:
            return a
    for agency in agencies:
        for a in accounts:
            if a["agency"] == agency and role in a["roles"]:
                return a
    for a in accounts:
        if role in a["roles"]:
            return a
    raise SystemExit(f"演示数据中没有角色为 {role} 的账户")


def _agencies(url: str) -> tuple[list[str], list[str]]:
    """(the agencies by open cases, most first; the top-level governments)."""
    from sqlalchemy import func, select

    from foi_workflow.storage import db
    from foi_workflow.storage.models import AgencyRow, CaseRow

    with db.session_scope(url) as s:
        rows = s.execute(select(AgencyRow.code, func.count(CaseRow.id)).join(CaseRow, CaseRow.agency_id == AgencyRow.id)
                         .where(CaseRow.state != "closed").group_by(AgencyRow.code)
                         .order_by(func.count(CaseRow.id).desc(), AgencyRow.code)).all()
        tops = list(s.scalars(select(AgencyRow.code).where(AgencyRow.parent_id.is_(None)).order_by(AgencyRow.code)))
    return [code for code, _n in rows], tops


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="从演示数据库重新生成 docs/screenshots/ 中的工作台截图")
    p.add_argument("--sign-ins", default=str(ROOT / "out" / "demo-sign-ins.json"), help="make demo 写出的登录信息")
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="截图目录")
    args = p.parse_args(argv)
    os.environ.setdefault("FOI_DATABASE_URL", f"sqlite:///{ROOT / 'out' / 'demo.sqlite3'}")
    sign_ins = Path(args.sign_ins)
    if not sign_ins.is_file():
        print(f"先运行 make demo 生成演示数据库和登录信息（未找到 {sign_ins}）", file=sys.stderr)
        return 1
    from foi_workflow.config import Settings

    settings = Settings.load()
    data = json.loads(sign_ins.read_text("utf-8"))
    accounts, password = data["accounts"], data["password"]
    busiest, tops = _agencies(settings.database_url)
    clerk = _pick(accounts, busiest, "clerk")
    supervisor = _pick(accounts, tops, "supervisor")
    head = _pick(accounts, busiest, "head")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    srv, site = _server(settings)
    driver = _driver()
    made = []
    try:
        from selenium.webdriver.common.by import By

        _sign_in(driver, site, clerk["code"], password)
        driver.get(site + "/")
        _shot(driver, out / "inbox.png")
        links = driver.find_elements(By.CSS_SELECTOR, "main a[href^='/cases/']")
        if links:
            driver.get(links[0].get_attribute("href"))
            _shot(driver, out / "case.png")
            made.append("case.png")
        driver.get(site + "/register")
        _shot(driver, out / "register.png")
        made[:0] = ["inbox.png"]
        made.append("register.png")
        _sign_in(driver, site, supervisor["code"], password)
        driver.get(site + "/board")
        _shot(driver, out / "board.png")
        made.append("board.png")
        _sign_in(driver, site, head["code"], password)
        driver.get(site + "/reports")
        _shot(driver, out / "report-page.png")
        made.append("report-page.png")
    finally:
        driver.quit()
        srv.should_exit = True
    print(f"已生成截图 {len(made)} 张（{out}）：" + "、".join(made))
    print(f"登录账户：{clerk['code']}（{clerk['roles_label']}）、{supervisor['code']}（{supervisor['roles_label']}）、"
          f"{head['code']}（{head['roles_label']}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
