"""Every notice as an office would print, seal and send it (GB/T 9704-2012), checked on the files
themselves: the PDF as written, and the DOCX as LibreOffice prints it.

What a secretary would notice: the fonts travel with the PDF; a full line holds 28 characters of
三号 and no line is stretched with gaps; the 落款 (signature and date) never stands on a page
without body text and always has the room the seal needs above it; nothing runs outside the
版心; every page carries its number "— n —" (odd pages right, even pages left). A 3,000-character
reason flows over pages with the same rules holding.

The DOCX checks run when LibreOffice (soffice) is installed, all files converted in one soffice
call; under FOI_REQUIRE_LIBREOFFICE=1 (CI) a missing soffice fails them instead of skipping.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from foi_workflow.documents import layout as L
from foi_workflow.documents.docx_writer import write_docx
from foi_workflow.documents.linebreak import NO_LINE_END, NO_LINE_START
from foi_workflow.documents.model import OfficialDocument, Paragraph
from foi_workflow.documents.pdf_writer import write_pdf

from . import notice_samples, tools
from .test_notices import TODAY


MM = 25.4 / 72            # mm per PDF point
TOL = 0.5                 # mm: what a measurement may be off (rounding in the files)
BODY_BOTTOM = L.PAGE_H - L.MARGIN_BOTTOM
RIGHT = L.PAGE_W - L.MARGIN_RIGHT
LINE = L.LINE_PT * L.PT
# a gap between two characters of a line may grow this much (mm) when it is justified
STRETCH = L.JUSTIFY_MAX_EM * L.BODY_PT * L.PT
# a long reason, as an office might write one: 3,000 characters over several pages
LONG_REASON = ("经审查，申请人所申请公开的信息涉及本机关在土地征收过程中形成的多份文件，其中既有已经主动公开的批复文件，"
               "也有尚在研究讨论之中的内部意见，还有涉及第三方合法权益的个人信息和商业信息，本机关逐件进行了审查。") * 30


def _full_width(ch: str) -> bool:
    return 0x3000 <= ord(ch) <= 0x9FFF or 0xFF00 <= ord(ch) <= 0xFFEF


@dataclasses.dataclass
class _Line:
    page: int
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars if c["text"].strip())

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars) * MM

    @property
    def bottom(self) -> float:
        return max(c["bottom"] for c in self.chars) * MM

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"] * MM

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"] * MM

    @property
    def ink_right(self) -> float:
        """Where the line's ink ends: a closing mark at its end may hang in the margin (标点悬挂,
        LibreOffice's way with a mark that may not start the next line)."""
        chars = [c for c in self.chars if c["text"].strip()]
        if len(chars) > 1 and chars[-1]["text"] in NO_LINE_START:
            return max(chars[-2]["ink"] * MM, min(chars[-1]["x0"] * MM, RIGHT))
        return max(c["ink"] for c in chars) * MM

    @property
    def size(self) -> float:
        return max(round(c["size"], 1) for c in self.chars)


def _chars(page) -> list[dict]:
    """Each character drawn on a page (PDFium): its pen position, advance, em box and size (pt)."""
    import ctypes

    import pypdfium2.raw as raw

    tp = page.get_textpage()
    height = page.get_height()
    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if ch in "\r\n":
            continue
        raw.FPDFText_GetCharOrigin(tp, i, x, y)
        size = raw.FPDFText_GetFontSize(tp, i)
        ink = tp.get_charbox(i)[2]  # the glyph's ink; the loose box ends at its advance
        right = tp.get_charbox(i, loose=True)[2]
        base = height - y.value
        out.append({"text": ch, "x0": x.value, "x1": max(right, x.value), "ink": max(ink, x.value), "size": size,
                    "top": base - 0.88 * size, "bottom": base + 0.12 * size})
    return out


def _lines(pdf: bytes) -> tuple[int, list[_Line]]:
    import pypdfium2 as pdfium

    out: list[_Line] = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for n, page in enumerate(doc, 1):
            rows: dict[float, list[dict]] = {}
            for c in _chars(page):
                base = c["bottom"] - 0.12 * c["size"]  # a line: the same baseline (±1 pt)
                key = next((k for k in rows if abs(k - base) <= 1), base)
                rows.setdefault(key, []).append(c)
            for key in sorted(rows):
                out.append(_Line(n, sorted(rows[key], key=lambda c: c["x0"])))
        return len(doc), out
    finally:
        doc.close()


def _unembedded_fonts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    bad = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            parts = [f.get_object() for f in font.get("/DescendantFonts", [])] or [font]
            for f in parts:
                desc = (f.get("/FontDescriptor") or {})
                desc = desc.get_object() if desc else {}
                if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    bad.append(str(font.get("/BaseFont")))
    return bad


def layout_problems(pdf: bytes, doc: OfficialDocument) -> list[str]:
    """What a secretary would reject in this PDF of doc (empty: it may go out)."""
    problems: list[str] = []
    pages, lines = _lines(pdf)
    if _unembedded_fonts(pdf):
        problems.append(f"fonts not embedded: {_unembedded_fonts(pdf)}")
    numbers = [ln for ln in lines if re.fullmatch(r"—\d+—", ln.text)]
    text = [ln for ln in lines if ln not in numbers]
    # page numbers: — n — on every page, below the 版心, odd right / even left, one character in
    em = L.PAGE_NO_PT * L.PT
    for n in range(1, pages + 1):
        mine = [ln for ln in numbers if ln.page == n and ln.text == f"—{n}—"]
        if not mine:
            problems.append(f"page {n}: no page number “— {n} —”")
            continue
        ln = mine[0]
        if not BODY_BOTTOM < ln.top < BODY_BOTTOM + 10:
            problems.append(f"page {n}: page number at {ln.top:.1f} mm, not just below the 版心")
        if n % 2 and abs(ln.x1 - (RIGHT - em)) > 1.5:
            problems.append(f"page {n}: odd page number not one character in from the right ({ln.x1:.1f} mm)")
        if not n % 2 and abs(ln.x0 - (L.MARGIN_LEFT + em)) > 1.5:
            problems.append(f"page {n}: even page number not one character in from the left ({ln.x0:.1f} mm)")
    # inside the margins
    for ln in text:
        if ln.x0 < L.MARGIN_LEFT - TOL or ln.ink_right > RIGHT + TOL or ln.bottom > BODY_BOTTOM + TOL \
                or ln.top < L.MARGIN_TOP - 3:
            problems.append(f"page {ln.page}: “{ln.text[:12]}…” outside the 版心 "
                            f"(x {ln.x0:.1f}–{ln.ink_right:.1f}, y {ln.top:.1f}–{ln.bottom:.1f} mm)")
    # 28 characters a line, at the grid's pitch, never stretched past the tolerance
    body = [ln for ln in text if abs(ln.size - L.BODY_PT) < 0.3]
    for ln in body:
        for a, b in zip(ln.chars, ln.chars[1:]):
            if _full_width(a["text"]) and b["text"].strip():
                step = (b["x0"] - a["x0"]) * MM
                if not L.CHAR_PITCH - 0.1 - L.SQUEEZE_EM * L.CHAR_PITCH / 27 <= step <= L.CHAR_PITCH + STRETCH + 0.05:
                    problems.append(f"page {ln.page}: “{ln.text[:12]}…” characters {step:.2f} mm apart "
                                    f"(the grid: {L.CHAR_PITCH:.2f} mm, ≤ {STRETCH:.2f} mm more when justified)")
                    break
    # a line that starts at the margin and ends within a character of the other (flush left, as
    # the DOCX is set, a line before a number kept whole ends up to a character short)
    if not any(abs(ln.x0 - L.MARGIN_LEFT) < TOL and ln.x1 > RIGHT - L.CHAR_PITCH for ln in body):
        problems.append("no line fills the 156 mm line")
    full = [ln for ln in body if abs(ln.x0 - L.MARGIN_LEFT) < TOL and abs(ln.x1 - RIGHT) < TOL]
    for ln, nxt in zip(body, body[1:] + [None]):
        if ln not in full:
            continue
        squeezed = len(ln.text) == L.CHARS_PER_LINE + 1 and ln.text[-1] in NO_LINE_START
        # one character less where the line-start/end rules carried it down (避头尾): the next
        # line starts with an opening mark, or its first character is followed by a closing one
        carried = len(ln.text) == L.CHARS_PER_LINE - 1 and nxt is not None and (
            nxt.text[:1] in NO_LINE_END or nxt.text[1:2] in NO_LINE_START)
        if all(map(_full_width, ln.text)) and len(ln.text) != L.CHARS_PER_LINE and not (squeezed or carried):
            problems.append(f"page {ln.page}: a full line of {len(ln.text)} characters (28 a line): “{ln.text}”")
    # the 落款: the signature over the date, with body lines on its page and room for the seal
    date_at = [i for i, ln in enumerate(text) if ln.text == doc.date_text and i > 0
               and text[i - 1].text == doc.signature and text[i - 1].page == ln.page]
    if not date_at:
        problems.append("no signature line directly over the date line")
        return problems
    i = date_at[-1]
    sig = text[i - 1]
    above = [ln for ln in text[:i - 1] if ln.page == sig.page]
    if len(above) < L.SIGN_MIN_BODY_LINES:
        problems.append(f"page {sig.page}: the 落款 with {len(above)} line(s) of text above it")
    if above and doc.seal_space:
        room = sig.top - above[-1].bottom
        if room < L.SEAL_MM / 2 - TOL:
            problems.append(f"page {sig.page}: {room:.1f} mm above the signature, the seal needs {L.SEAL_MM / 2:.0f}")
        if room > L.SEAL_MM / 2 + LINE:
            problems.append(f"page {sig.page}: {room:.1f} mm above the signature: the seal's top would be "
                            "more than a line below the text")
        if sig.top + L.SEAL_MM / 2 > BODY_BOTTOM + L.PAGE_NO_DROP_MM:
            problems.append(f"page {sig.page}: the seal would run over the page's foot")
    # 22 lines a page: body lines 225/22 mm apart (the 落款's page up to TIGHTEN_MAX closer)
    for n in range(1, pages + 1):
        mine = [ln for ln in body if ln.page == n]
        tops = sorted({round(ln.top, 1) for ln in mine})
        closest = min((b - a for a, b in zip(tops, tops[1:])), default=LINE)
        tightened = n == sig.page and closest < LINE - 0.05
        if len(mine) > L.LINES_PER_PAGE + tightened or closest < LINE * (1 - L.TIGHTEN_MAX) - 0.05:
            problems.append(f"page {n}: {len(mine)} lines of 三号 {closest:.2f} mm apart (22 a page, "
                            f"{LINE:.2f} mm apart)")
    return problems


# ----- the samples: every notice kind, issued once for the module -------------------------------

@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OfficialDocument]:
    """On a database of their own (the layout does not depend on the database engine)."""
    docs = notice_samples.issue_on_scratch_db(tmp_path_factory.mktemp("layout-samples"))
    reply = docs["reply.withheld"]
    docs["long_reason"] = dataclasses.replace(
        reply, blocks=(*reply.blocks[:2], Paragraph(LONG_REASON), *reply.blocks[2:]))
    return docs


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def libreoffice(samples, tmp_path_factory: pytest.TempPathFactory):
    """Every sample's DOCX handed to one soffice run, started now so that it converts while the
    PDFs are written and checked (None when soffice is not installed)."""
    soffice = _soffice()
    if soffice is None:
        yield None
        return
    work = tmp_path_factory.mktemp("docx-layout")
    for name, doc in samples.items():
        (work / f"{name}.docx").write_bytes(write_docx(doc))
    job = subprocess.Popen(
        [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(work / "pdf"), *sorted(str(p) for p in work.glob("*.docx"))],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(work)})
    yield job, work
    if job.poll() is None:
        job.kill()
        job.wait()


@pytest.fixture(scope="module")
def pdfs(samples, libreoffice) -> dict[str, bytes]:
    return {name: write_pdf(doc) for name, doc in samples.items()}


@pytest.fixture(scope="module")
def docx_pdfs(samples, libreoffice) -> dict[str, bytes]:
    """Every sample's DOCX as LibreOffice prints it."""
    tools.require(libreoffice, tools.DOCUMENTS, "LibreOffice (soffice) is not installed: the DOCX layout is not checked")
    assert libreoffice is not None
    job, work = libreoffice
    out, _ = job.communicate(timeout=300)
    assert job.returncode == 0, out.decode(errors="replace")
    return {name: (work / "pdf" / f"{name}.pdf").read_bytes() for name in samples}


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {p}" for name, ps in found.items() for p in ps)


# ----- the checks --------------------------------------------------------------------------------

def test_every_notice_kind_is_sampled(samples):
    from foi_workflow.notices import catalog

    assert set(catalog.NOTICE_KINDS) <= {name.split(".")[0] for name in samples}


def test_every_pdf_notice_prints_as_gbt9704_lays_it_out(samples, pdfs):
    """Fonts embedded, 28 characters a line at the grid's pitch with no stretched line, inside the
    版心, page numbers, and the 落款 with two body lines and the seal's room on its page."""
    found = {name: layout_problems(pdfs[name], doc) for name, doc in samples.items()}
    assert not any(found.values()), _report(found)


def test_every_docx_notice_printed_by_libreoffice_keeps_the_same_rules(samples, docx_pdfs):
    found = {name: layout_problems(docx_pdfs[name], doc) for name, doc in samples.items()}
    assert not any(found.values()), _report(found)


def test_a_3000_character_reason_flows_over_pages_and_the_signature_still_has_body_lines_and_seal_room(
        samples, pdfs):
    doc, pdf = samples["long_reason"], pdfs["long_reason"]
    pages, lines = _lines(pdf)
    assert pages >= 4
    # every page but the last is full: 22 lines of 三号 (less the head on the first)
    for n in range(2, pages):
        assert sum(1 for ln in lines if ln.page == n and abs(ln.size - L.BODY_PT) < 0.3) == L.LINES_PER_PAGE
    assert layout_problems(pdf, doc) == []
    text = "".join(ln.text for ln in lines if not re.fullmatch(r"—\d+—", ln.text))
    assert LONG_REASON in text  # nothing lost over the page breaks


@pytest.mark.parametrize("body_lines", range(8, 16))  # the first page filling up to its foot and over
def test_whatever_the_length_the_signature_never_stands_without_body_lines_or_seal_room(samples, body_lines):
    """The body grown line by line: every way the last page can fill, the 落款 rule holds."""
    base = samples["reply.not_held"]
    two = ("本机关依照规定对申请人所申请的信息进行了全面检索和逐项核对" * 2)[:2 * L.CHARS_PER_LINE - L.INDENT_CHARS]
    blocks = [Paragraph(two)] * (body_lines // 2) + [Paragraph(two[:20])] * (body_lines % 2)
    doc = dataclasses.replace(base, blocks=tuple(blocks), postscript=())
    assert layout_problems(write_pdf(doc), doc) == []


def test_the_same_notice_gives_the_same_pdf_bytes(samples):
    doc = samples["long_reason"]
    assert write_pdf(doc) == write_pdf(doc)


@pytest.mark.parametrize("whole", ["2026年3月26日", "2026年第14号", "〔2026〕17号", "（2026）榆自然资申第4号",
                                   "0508001234567890123", "某\u2060市\u2060第\u2060一"])
def test_a_date_a_case_number_a_document_number_or_a_joined_run_never_splits_over_two_lines(whole):
    from foi_workflow.documents.linebreak import break_lines

    def width(s: str) -> float:
        return sum(0.0 if c == "\u2060" else 0.5 if ord(c) < 0x2E80 else 1.0 for c in s)

    for lead in range(0, 28):  # the run starting at every place of a 28-character line
        text = "本" * lead + whole + "。其后的文字"
        lines = break_lines(text, 28, width, squeeze=0.5)
        assert "".join(lines) == text
        assert any(whole in ln for ln in lines), (lead, lines)


def test_a_notice_a_few_millimetres_too_long_for_its_page_is_set_closer_instead_of_moving_lines(samples):
    """GB/T 9704 7.3.5 (调整行距): the 落款's page takes its body lines up to 5 % closer before any
    line moves to a new page for the 落款; the rules still hold."""
    base = samples["reply.not_held"]
    two = ("本机关依照规定对申请人所申请的信息进行了全面检索和逐项核对" * 2)[:2 * L.CHARS_PER_LINE - L.INDENT_CHARS]
    doc = dataclasses.replace(base, blocks=(Paragraph(two),) * 3,
                              postscript=(Paragraph("联系电话：0354-1234567。", "note"),) * 3)
    pdf = write_pdf(doc)
    pages, lines = _lines(pdf)
    assert pages == 1
    body = sorted(ln.top for ln in lines if abs(ln.size - L.BODY_PT) < 0.3 and ln.x0 < L.MARGIN_LEFT + 12)
    pitch = min(b - a for a, b in zip(body, body[1:]))
    assert LINE * (1 - L.TIGHTEN_MAX) - 0.05 <= pitch < LINE - 0.1
    assert layout_problems(pdf, doc) == []
