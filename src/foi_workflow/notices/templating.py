"""The notice templates: where they live, their versions, and the sandboxed Jinja2 environment.

Templates are HTML (templates/*.html.j2 at the project root, or the folder of Settings.templates_dir,
FOI_TEMPLATES_DIR, which the entry points read and hand down: nothing here reads the environment). The
environment is jinja2.sandbox.ImmutableSandboxedEnvironment with autoescaping on and
StrictUndefined: a template cannot reach Python internals or change its data, any text given to
it is escaped, and a missing field — or a field that is None — is an error, never a blank.

A template's version is the SHA-256 of its own source and of every template it extends,
includes or imports (found with jinja2.meta), so editing the shared layout changes the version
of every notice kind. The sources of each version are stored with the notices that used it
(table notice_templates), and a stored notice is re-rendered from those, not from the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from jinja2 import DictLoader, StrictUndefined, TemplateError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..domain.errors import FoiError
from .literal import literal

WEEKDAYS = "一二三四五六日"


class TemplateProblem(FoiError):
    """A notice template is missing, broken, or asks for a field the notice does not have."""


SHIPPED_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def templates_dir(folder: Path | str | None = None) -> Path:
    """The configured folder (Settings.templates_dir), else templates/ at the project root."""
    return Path(folder) if folder else SHIPPED_TEMPLATES


# ----- filters and globals (the only functions a template can call) ---------------------------

def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TemplateError(f"不是日期：{value!r}")


def cn_date(value: Any) -> str:
    """2026-03-02 → 2026年3月2日 (the form of dates in official documents)."""
    d = _date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def cn_date_weekday(value: Any) -> str:
    """2026-03-02 → 2026年3月2日（星期一）."""
    d = _date(value)
    return f"{cn_date(d)}（星期{WEEKDAYS[d.weekday()]}）"


# A case number as the system makes it (services/cases.py): <agency code>-<year>-<nnnnn>.
CASE_NO = re.compile(r"^(?P<agency>.+)-(?P<year>\d{4})-(?P<n>\d+)$")


def case_number(case_no: str) -> tuple[str, int, int]:
    """yuci-zrzy-2026-00004 → ("yuci-zrzy", 2026, 4); a number of another form is an error."""
    m = CASE_NO.match(case_no) if isinstance(case_no, str) else None
    if m is None:
        raise TemplateError(f"案件编号“{case_no!s:.60}”不是“机关代码-年度-序号”的形式，无法写成中文")
    return m.group("agency"), int(m.group("year")), int(m.group("n"))


def case_ref(case: Any, part: str = "full") -> str:
    """How every notice names the case, in Chinese — never the Latin case number, which a reader
    cannot use and a line break splits: {"case_no": "yuci-zrzy-2026-00004", "numbered_by":
    "本机关"} → "本机关受理编号：2026年第4号" (part="number": "2026年第4号"). `numbered_by` is
    the agency that gave the number (another agency's name after a transfer; notices/context.py)."""
    _agency, year, n = case_number(case["case_no"])
    number = f"{year}年第{n}号"
    if part == "number":
        return number
    if part != "full":
        raise TemplateError(f"case_ref 的参数须为 full 或 number，收到 {part!r}")
    return f"{case['numbered_by']}受理编号：{number}"


def user_text(value: Any) -> Markup:
    """Text that came from a person (applicant, staff): escaped, hidden characters shown,
    spaces and line breaks kept (class "u": white-space pre-wrap)."""
    _finalize(value)
    return Markup('<span class="u">') + escape(literal(str(value))) + Markup("</span>")


def _fail(message: str) -> None:
    raise TemplateError(message)


def _finalize(value: Any) -> Any:
    if value is None:
        raise TemplateError("字段为空（None），法律文书中不得留空")
    if callable(value):  # e.g. `x.items` finds dict.items: never print a method into a document
        raise TemplateError(f"输出的不是数据而是函数：{getattr(value, '__name__', value)!s}")
    return value


def make_environment(sources: Mapping[str, str]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=DictLoader(dict(sources)),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(cn_date=cn_date, cn_date_weekday=cn_date_weekday, u=user_text, case_ref=case_ref)
    env.globals.update(fail=_fail)
    return env


# ----- template sets and versions ------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    name: str
    version: str
    sources: Mapping[str, str]  # the template and all it depends on


def _closure(env: ImmutableSandboxedEnvironment, sources: Mapping[str, str], name: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        if n not in sources:
            raise TemplateProblem("template", "告知书模板须存在于 templates/ 目录", f"找不到模板“{n}”")
        seen[n] = sources[n]
        try:
            refs = meta.find_referenced_templates(env.parse(sources[n]))
        except TemplateError as exc:
            raise TemplateProblem("template", "告知书模板须为有效的 Jinja2 模板",
                                  f"模板“{n}”有错误：{exc}") from None
        for ref in refs:
            if ref is None:
                raise TemplateProblem("template", "模板引用的其他模板名须为固定文字",
                                      f"模板“{n}”按变量引用模板")
            todo.append(ref)
    return dict(sorted(seen.items()))


def version_of(sources: Mapping[str, str]) -> str:
    blob = json.dumps(dict(sorted(sources.items())), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class TemplateSet:
    """The templates of one folder, read once; versions computed on demand."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = dict(sources)
        self.env = make_environment(self.sources)
        self._versions: dict[str, Version] = {}

    def version(self, name: str) -> Version:
        v = self._versions.get(name)
        if v is None:
            closure = _closure(self.env, self.sources, name)
            v = self._versions[name] = Version(name, version_of(closure), closure)
        return v


def _signature(folder: Path) -> tuple:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        raise TemplateProblem("template", "告知书模板目录须存在（templates/ 或 FOI_TEMPLATES_DIR）",
                              f"目录不存在：{folder}") from None
    return tuple((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries
                 if e.name.endswith(".j2") and e.is_file())


_current: dict[Path, tuple[tuple, TemplateSet]] = {}


def current_set(folder: Path | str | None = None) -> TemplateSet:
    """The templates of `folder` (default: the shipped ones) as they are on disk now (re-read
    when a file changes)."""
    folder = templates_dir(folder)
    sig = _signature(folder)
    cached = _current.get(folder)
    if cached is None or cached[0] != sig:
        sources = {name: (folder / name).read_text("utf-8") for name, _m, _s in sig}
        cached = _current[folder] = (sig, TemplateSet(sources))
    return cached[1]


@lru_cache(maxsize=64)
def _stored_env(version: str, sources_json: str) -> ImmutableSandboxedEnvironment:
    return make_environment(json.loads(sources_json))


def render(name: str, sources: Mapping[str, str], context: Mapping[str, Any],
           version: str | None = None) -> str:
    """Render template `name` from exactly these sources (a stored version or the current set)."""
    version = version or version_of(sources)
    env = _stored_env(version, json.dumps(dict(sorted(sources.items())), ensure_ascii=False))
    try:
        return env.get_template(name).render(**context)
    except TemplateError as exc:
        raise TemplateProblem("template", "告知书所需字段须齐全（缺少字段即报错，不留空白）",
                              f"模板“{name}”：{exc}") from None
