"""The CJK fonts in notice PDFs: any character of a name prints, common notices use the small font.

What a user would notice: a rare character in an applicant's name (outside GB 2312, e.g. 䶮 of CJK
Extension A) prints from the embedded font instead of a missing box; the fast path (the common
subset, metrics read once per process) makes exactly the bytes fpdf2 makes from the full font, so
a stored notice verifies whichever path made it; the font files are the same on every machine;
DOCX tables carry their column widths in the table grid (LibreOffice and WPS lay out by it).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fontTools.ttLib import TTFont

from foi_workflow.documents import fonts, pdf_writer
from foi_workflow.documents.model import OfficialDocument, Paragraph, Table
from foi_workflow.notices import register, templating
from foi_workflow.storage import db

from .test_notices import RECEIVED, new_case, notices_of, office, render, step, texts  # noqa: F401

RARE = "䶮"      # U+4DAE, CJK Extension A: in Noto Sans SC, not in GB 2312
COMMON = "张三"


def _embedded_fonts(pdf: bytes) -> list[tuple[str, TTFont]]:
    from pypdf import PdfReader

    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            out.append((str(font["/BaseFont"]), TTFont(io.BytesIO(desc["/FontFile2"].get_object().get_data()))))
    return out


def _plain_fpdf2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer with fpdf2's own add_font of the full instances (the reference bytes)."""
    def plain(pdf, family, texts):
        pdf.add_font(family, "", str(fonts.cjk_font_path("regular")))
        pdf.add_font(family, "B", str(fonts.cjk_font_path("bold")))
    monkeypatch.setattr(pdf_writer, "embed_cjk_fonts", plain)


def test_a_rare_character_in_the_applicant_name_prints_from_the_embedded_font(office, tmp_path):
    assert ord(RARE) not in fonts.common_charset()
    assert ord(RARE) in TTFont(str(fonts.cjk_font_path()), lazy=True).getBestCmap()
    url = office
    case_no = new_case(url, name=f"王{RARE}")
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    rendered = render(url, rec.key, tmp_path)
    found = texts(rendered)
    assert f"王{RARE}" in found["pdf"] and f"王{RARE}" in found["docx"]
    pdf = rendered.files["pdf"].read_bytes()
    embedded = [cmap for _, f in _embedded_fonts(pdf) for cmap in [f.getBestCmap()]]
    assert any(ord(RARE) in cmap for cmap in embedded), "the rare character has no glyph in the PDF"
    # the full instances were used: the common subsets do not have it
    doc = _doc(f"王{RARE}")
    assert pdf_writer.font_paths(pdf_writer._texts(doc))[""] == str(fonts.cjk_font_path("regular"))


def test_a_common_notice_is_written_with_the_common_subset(office, tmp_path):
    url = office
    case_no = new_case(url, name=COMMON)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    rendered = render(url, rec.key, tmp_path)
    assert COMMON in texts(rendered)["pdf"]
    with db.session_scope(url) as s:
        row = register.find(s, rec.key)
        html = templating.render(row.template, _sources(s, row), row.context, row.template_version)
    from foi_workflow.notices.html_doc import to_document

    doc = to_document(html, row.issued_on)
    assert pdf_writer.font_paths(pdf_writer._texts(doc)) == {
        "": str(fonts.common_font_path("regular")), "B": str(fonts.common_font_path("bold"))}
    names = [name for name, _ in _embedded_fonts(rendered.files["pdf"].read_bytes())]
    assert sorted(set(names)) == ["/MPDFAA+NotoSansSC", "/MPDFAA+NotoSansSCBold"]  # named by weight


def _sources(session, row) -> dict[str, str]:
    from foi_workflow.storage.notice_tables import NoticeTemplateRow

    return dict(session.get(NoticeTemplateRow, row.template_version).sources)


def _doc(name: str) -> OfficialDocument:
    return OfficialDocument(
        "榆次区自然资源局", "榆次区自然资源局依申请公开〔2026〕7号", "政府信息公开申请答复书", f"{name}：",
        (Paragraph(f"{name}于2026年3月2日提出的政府信息公开申请（“某村土地征收批复”，编号 YC-2026-0007）收悉。"
                   "经审查，现答复如下：……"),
         Table((("事项", "内容"), ("申请人", name), ("收费", "0元；Ａ４纸每页0.1元")), header=True, widths=(1.0, 3.0)),
         Paragraph("如对本答复不服，可以在收到之日起60日内申请行政复议。", "plain")),
        "榆次区自然资源局", "2026年3月9日", dt.date(2026, 3, 9))


@pytest.mark.parametrize("name", [COMMON, f"王{RARE}", "李\U0002003e"])  # last: in neither font
def test_the_fast_font_path_writes_exactly_the_bytes_of_fpdf2_with_the_full_fonts(name, monkeypatch):
    doc = _doc(name)
    fast = pdf_writer.write_pdf(doc)
    assert pdf_writer.write_pdf(doc) == fast  # a second document reuses the cached metrics
    _plain_fpdf2(monkeypatch)
    assert pdf_writer.write_pdf(doc) == fast


def test_every_character_of_the_templates_is_in_the_common_subset():
    covered = set(TTFont(str(fonts.common_font_path("regular")), lazy=True).getBestCmap())
    folder = templating.templates_dir()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            missing = {ch for ch in path.read_text("utf-8") if ch != "\n" and ord(ch) not in covered}
            assert not missing, f"{path.name}: {sorted(missing)} (add them to fonts.COMMON_RANGES)"


def test_font_files_carry_no_clock_and_name_their_weight():
    source = TTFont(str(fonts.source_font_path()), lazy=True)
    for weight, full_name in (("regular", "Noto Sans SC Regular"), ("bold", "Noto Sans SC Bold")):
        for path in (fonts.cjk_font_path(weight), fonts.common_font_path(weight)):
            f = TTFont(str(path), lazy=True)
            assert f["head"].modified == source["head"].modified, path.name
            assert f["name"].getDebugName(4) == full_name


def test_docx_tables_set_the_grid_column_widths_as_well_as_the_cells():
    import docx

    from foi_workflow.documents import layout as L
    from foi_workflow.documents.docx_writer import write_docx

    d = docx.Document(io.BytesIO(write_docx(_doc(COMMON))))
    (table,) = d.tables
    grid = [col.width for col in table.columns]
    assert grid[1] == 3 * grid[0] and abs(sum(grid) - docx.shared.Mm(L.TEXT_W)) < docx.shared.Mm(0.1)
    for row in table.rows:
        assert [c.width for c in row.cells] == grid


def test_notices_take_their_fonts_from_the_font_cache_of_the_settings(office, tmp_path):
    from . import factories

    fonts.prepare()
    cache = tmp_path / "font-cache"
    cache.mkdir()
    for weight in fonts.WEIGHTS:  # the same files, found in the folder the settings name
        for path in (fonts.cjk_font_path(weight), fonts.common_font_path(weight)):
            (cache / path.name).symlink_to(path)
    url = office
    case_no = new_case(url, name=COMMON)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    try:
        rendered = register.render(register.RenderRequest(rec.key, tmp_path / "out", ("pdf",)),
                                   factories.uow(url, font_cache=cache), factories.principal(url, "c1"))
        assert fonts.cache_dir() == cache
        assert {fonts.common_font_path(w).parent for w in fonts.WEIGHTS} == {cache}
    finally:
        fonts.use_cache_dir(None)
    assert COMMON in texts_of_pdf(rendered.files["pdf"].read_bytes())
    assert fonts.cache_dir() != cache


def texts_of_pdf(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
