"""The fonts of notice PDFs: official faces when the agency has them, open serif ones otherwise.

What a user would notice: the body of every PDF is set in a serif face (仿宋_GB2312, or its open
stand-in Noto Serif SC — never a sans-serif) and embedded; the title and the issuer line in the
title face (方正小标宋简体 or a Song); a font file named in the settings that is missing, not a
font, or lacks characters the templates write stops start-up with a Chinese message naming the
setting; a character the face lacks (e.g. 𠀾 of CJK Extension B in an applicant's name) refuses
the notice — naming the character — instead of printing a missing-glyph box; a rare character
the face has (䶮 of Extension A) prints; the fast path (common subset, metrics read once) makes
exactly the bytes fpdf2 makes from the full font; the font files are the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from foi_workflow.config import Settings
from foi_workflow.documents import fonts, pdf_writer
from foi_workflow.documents.model import OfficialDocument, Paragraph, Table
from foi_workflow.domain.errors import InputError
from foi_workflow.notices import register, templating
from foi_workflow.storage import db

from . import tools
from .test_notices import RECEIVED, new_case, notices_of, office, render, step, texts  # noqa: F401

RARE = "䶮"      # U+4DAE, CJK Extension A: in Noto Serif SC, not in GB 2312
ABSENT = "\U0002003e"  # 𠀾, CJK Extension B: in no face the project installs
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


def _ps_name(path: Path) -> str:
    """The name fpdf2 gives the font in the PDF (its full name without spaces)."""
    return "".join(ch for ch in TTFont(str(path), lazy=True)["name"].getBestFullName() if ch not in " ()")


def _plain_fpdf2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer with fpdf2's own add_font of the full files (the reference bytes)."""
    def plain(pdf, family, texts, roles=("body", "title")):
        pdf.add_font(family, "", str(fonts.face("body").path))
        pdf.add_font(family, "B", str(fonts.face("title").path))
    monkeypatch.setattr(pdf_writer, "embed_cjk_fonts", plain)


@pytest.fixture
def own_fonts(tmp_path: Path):
    """Font settings of a test, undone after it (the module keeps them for the process)."""
    yield tmp_path
    fonts.use_files({})
    fonts.use_cache_dir(None)


def _doc(name: str, title: str = "政府信息公开申请答复书") -> OfficialDocument:
    return OfficialDocument(
        "榆次区自然资源局", "榆次区自然资源局依申请公开〔2026〕7号", title, f"{name}：",
        (Paragraph(f"{name}于2026年3月2日提出的政府信息公开申请（“某村土地征收批复”，编号 YC-2026-0007）收悉。"
                   "经审查，现答复如下：……"),
         Table((("事项", "内容"), ("申请人", name), ("收费", "0元；Ａ４纸每页0.1元")), header=True, widths=(1.0, 3.0)),
         Paragraph("如对本答复不服，可以在收到之日起60日内申请行政复议。", "plain")),
        "榆次区自然资源局", "2026年3月9日", dt.date(2026, 3, 9))


def _ascii_font(tmp_path: Path, name: str = "ascii-only.ttf") -> Path:
    """A real font file holding only ASCII (made from the body face): lacks every Chinese character."""
    from fontTools import subset as ftsubset

    font = TTFont(str(fonts.common_path("body")))
    sub = ftsubset.Subsetter(ftsubset.Options(name_IDs=["*"], notdef_outline=True))
    sub.populate(unicodes=range(0x20, 0x7F))
    sub.subset(font)
    path = tmp_path / name
    font.save(str(path))
    return path


# ----- what the PDF is set in ------------------------------------------------------------------

def test_every_notice_pdf_embeds_its_fonts_and_the_body_is_a_serif_face(office, tmp_path):
    body, title = fonts.face("body"), fonts.face("title")
    assert body.serif and "Sans" not in body.family and title.serif  # 仿宋 / 小标宋 stand-ins
    url = office
    case_no = new_case(url, name=COMMON)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    step(url, case_no, "reply", "h1", dt.date(2026, 3, 10), outcome="unavailable.not_held")
    for rec in notices_of(url, case_no):
        pdf = render(url, rec.key, tmp_path / rec.key).files["pdf"].read_bytes()
        embedded = _embedded_fonts(pdf)  # every font has its file in the PDF (FontFile2)
        names = {name for name, _ in embedded}
        assert names == {f"/MPDFAA+{_ps_name(body.path)}", f"/MPDFAA+{_ps_name(title.path)}"}, rec.key
        families = {str(f["name"].getDebugName(1)) for _, f in embedded}
        assert families == {body.family, title.family}
        assert not any("Sans" in f for f in families)  # no sans-serif anywhere in a notice today


def test_pdffonts_lists_the_fonts_as_embedded_subsets(tmp_path):
    import shutil
    import subprocess

    tools.require(shutil.which("pdffonts"), tools.DOCUMENTS,
                  "pdffonts (poppler-utils) is not installed: the second check of the embedded fonts did not run")
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.write_pdf(_doc(COMMON)))
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows and all(r.split()[-5:-2] == ["yes", "yes", "yes"] for r in rows), rows  # emb sub uni
    assert all("Sans" not in r.split()[0] for r in rows)


def test_a_rare_character_in_the_applicant_name_prints_from_the_embedded_font(office, tmp_path):
    assert ord(RARE) not in fonts.common_charset()
    assert ord(RARE) in fonts.coverage("body")
    url = office
    case_no = new_case(url, name=f"王{RARE}")
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    rendered = render(url, rec.key, tmp_path)
    found = texts(rendered)
    assert f"王{RARE}" in found["pdf"] and f"王{RARE}" in found["docx"]
    pdf = rendered.files["pdf"].read_bytes()
    embedded = [f.getBestCmap() for _, f in _embedded_fonts(pdf)]
    assert any(ord(RARE) in cmap for cmap in embedded), "the rare character has no glyph in the PDF"
    # the full file was used: the common subset does not have it
    assert pdf_writer.font_paths(pdf_writer._texts(_doc(f"王{RARE}")))[""] == str(fonts.face("body").path)


def test_a_character_no_font_has_refuses_the_notice_and_names_it(office):
    url = office
    case_no = new_case(url, name=f"李{ABSENT}")
    with pytest.raises(InputError) as err:
        step(url, case_no, "acknowledge", "c1", RECEIVED)
    assert err.value.field == "addressee" and ABSENT in err.value.message and "U+2003E" in err.value.message
    assert "主送" in err.value.message and "缺字" in err.value.rule
    assert notices_of(url, case_no) == []  # nothing issued, no number taken: the step did not happen
    with pytest.raises(InputError, match="U\\+2003E"):  # the writer itself never draws a box either
        pdf_writer.write_pdf(_doc(f"李{ABSENT}"))


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
        "": str(fonts.common_path("body")), "B": str(fonts.common_path("title"))}


def _sources(session, row) -> dict[str, str]:
    from foi_workflow.storage.notice_tables import NoticeTemplateRow

    return dict(session.get(NoticeTemplateRow, row.template_version).sources)


@pytest.mark.parametrize("name", [COMMON, f"王{RARE}"])
def test_the_fast_font_path_writes_exactly_the_bytes_of_fpdf2_with_the_full_fonts(name, monkeypatch):
    doc = _doc(name)
    fast = pdf_writer.write_pdf(doc)
    assert pdf_writer.write_pdf(doc) == fast  # a second document reuses the cached metrics
    _plain_fpdf2(monkeypatch)
    assert pdf_writer.write_pdf(doc) == fast


def test_every_character_of_the_templates_is_in_the_common_subsets():
    for role in ("body", "title"):
        covered = set(TTFont(str(fonts.common_path(role)), lazy=True).getBestCmap())
        folder = templating.templates_dir()
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                missing = {ch for ch in path.read_text("utf-8") if ch != "\n" and ord(ch) not in covered}
                assert not missing, f"{role} {path.name}: {sorted(missing)} (add them to fonts.COMMON_RANGES)"


def test_font_files_carry_no_clock_and_name_their_face():
    sans = TTFont(str(fonts.source_font_path()), lazy=True)
    instance = fonts.face("heading1").path
    for path in (instance, fonts.common_path("heading1")):
        f = TTFont(str(path), lazy=True)
        assert f["head"].modified == sans["head"].modified, path.name
        assert f["name"].getDebugName(4) == "Noto Sans SC Regular"
    serif = fonts.face("body")
    if not serif.is_official and serif.source.startswith("PyPI"):
        source = TTFont(str(fonts._serif_sc()), lazy=True)
        for path in (serif.path, fonts.common_path("body")):  # made as TrueType, the source's stamp
            f = TTFont(str(path), lazy=True)
            assert "glyf" in f and f["head"].modified == source["head"].modified, path.name
            assert f["name"].getDebugName(1) == "Noto Serif SC"


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


def test_notices_take_their_fonts_from_the_font_cache_of_the_settings(office, tmp_path, own_fonts):
    from . import factories

    made = fonts.prepare()
    cache = tmp_path / "font-cache"
    cache.mkdir()
    for path in {p for p in made.values() if p.parent == fonts.cache_dir()}:  # the derived files
        (cache / path.name).symlink_to(path)
    url = office
    case_no = new_case(url, name=COMMON)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    rendered = register.render(register.RenderRequest(rec.key, tmp_path / "out", ("pdf",)),
                               factories.uow(url, font_cache=cache), factories.principal(url, "c1"))
    assert fonts.cache_dir() == cache
    assert {fonts.common_path(r).parent for r in ("body", "title")} == {cache}
    assert COMMON in texts_of_pdf(rendered.files["pdf"].read_bytes())


def texts_of_pdf(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


# ----- official faces named in the settings ----------------------------------------------------

def test_an_official_font_file_named_in_the_settings_is_the_one_embedded(own_fonts):
    heiti = fonts.face("heading1").path  # any real CJK font stands in for 方正小标宋简体 here
    fonts.configure(Settings.load(font_xiaobiaosong=str(heiti)))
    title = fonts.face("title")
    assert title.is_official and title.source == "FOI_FONT_XIAOBIAOSONG" and title.path == heiti
    pdf = pdf_writer.write_pdf(_doc(COMMON))
    names = {name for name, _ in _embedded_fonts(pdf)}
    assert f"/MPDFAA+{_ps_name(heiti)}" in names and f"/MPDFAA+{_ps_name(fonts.face('body').path)}" in names
    assert heiti.name in pdf_writer.renderer_id()  # part of every rendered notice's provenance


def test_a_missing_font_file_in_the_settings_stops_start_up_with_a_chinese_message(own_fonts):
    missing = own_fonts / "FangSong_GB2312.ttf"
    with pytest.raises(fonts.FontMissing) as err:
        fonts.check(Settings.load(font_fangsong=str(missing)))
    assert err.value.field == "FOI_FONT_FANGSONG"
    assert f"找不到字体文件 {missing}" in err.value.message and "仿宋_GB2312" in err.value.message
    not_a_font = own_fonts / "kaiti.ttf"
    not_a_font.write_text("not a font", "utf-8")
    with pytest.raises(fonts.FontMissing, match="不是可用的字体文件") as err:
        fonts.check(Settings.load(font_kaiti=str(not_a_font)))
    assert err.value.field == "FOI_FONT_KAITI"


def test_foi_fonts_check_and_foi_notice_render_refuse_a_missing_font_file(own_fonts, monkeypatch):
    from typer.testing import CliRunner

    from foi_workflow.cli.main import app

    monkeypatch.setenv("FOI_FONT_XIAOBIAOSONG", str(own_fonts / "FZXBSJW.TTF"))
    runner = CliRunner()
    for args in (["fonts", "check"], ["notice", "render", "yc-zrzy-2026-N00001", "--as", "c1"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "FOI_FONT_XIAOBIAOSONG" in result.output and "找不到字体文件" in result.output
    monkeypatch.delenv("FOI_FONT_XIAOBIAOSONG")
    fonts.use_files({})
    result = runner.invoke(app, ["fonts", "check"])
    assert result.exit_code == 0 and "正文（仿宋_GB2312）：" in result.output


def test_a_font_in_the_settings_lacking_the_templates_characters_stops_start_up(own_fonts):
    ascii_only = _ascii_font(own_fonts)
    with pytest.raises(fonts.FontMissing) as err:
        fonts.check(Settings.load(font_fangsong=str(ascii_only)))
    assert err.value.field == "FOI_FONT_FANGSONG" and "缺少" in err.value.message
    assert "“年”（U+5E74）" in err.value.message  # named, with its code point


def test_a_character_outside_the_official_font_refuses_the_notice(office, own_fonts, monkeypatch):
    gb2312 = fonts.common_path("body")  # a face of exactly GB 2312 (as 仿宋_GB2312 is)
    monkeypatch.setenv("FOI_FONT_FANGSONG", str(gb2312))
    url = office
    case_no = new_case(url, name=f"王{RARE}")  # 䶮 is not in GB 2312
    with pytest.raises(InputError) as err:
        step(url, case_no, "acknowledge", "c1", RECEIVED)
    assert f"“{RARE}”（U+4DAE）" in err.value.message and "FOI_FONT_FANGSONG" in err.value.message
    assert notices_of(url, case_no) == []


def test_a_face_in_a_collection_is_taken_by_name_and_cff_outlines_become_truetype(own_fonts, monkeypatch):
    """Debian's NotoSerifCJK-Bold.ttc holds the JP face first: the SC one is taken, as TrueType."""
    from fontTools.ttLib import TTCollection

    def face(family: str) -> TTFont:  # a small CFF font named `family` with one Chinese glyph
        from fontTools.fontBuilder import FontBuilder
        from fontTools.pens.t2CharStringPen import T2CharStringPen

        def box() -> object:
            pen = T2CharStringPen(1000, None)
            pen.moveTo((100, 0)), pen.curveTo((300, 0), (600, 300), (900, 800)), pen.lineTo((100, 800))
            pen.closePath()
            return pen.getCharString()

        fb = FontBuilder(1000, isTTF=False)
        fb.setupGlyphOrder([".notdef", "uni653F"])
        fb.setupCharacterMap({ord("政"): "uni653F"})
        fb.setupCFF(family.replace(" ", ""), {"FullName": family}, {".notdef": box(), "uni653F": box()}, {})
        fb.setupHorizontalMetrics({".notdef": (1000, 100), "uni653F": (1000, 100)})
        fb.setupHorizontalHeader(ascent=880, descent=-120)
        fb.setupNameTable({"familyName": family, "styleName": "Bold"})
        fb.setupOS2()
        fb.setupPost()
        return fb.font

    folder = own_fonts / "fonts" / "opentype" / "noto"
    folder.mkdir(parents=True)
    collection = TTCollection()
    collection.fonts = [face("Noto Serif CJK JP"), face("Noto Serif CJK SC")]
    collection.save(str(folder / "NotoSerifCJK-Bold.ttc"))
    monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", [own_fonts / "fonts"])
    fonts.use_cache_dir(own_fonts / "cache")
    title = fonts.face("title")
    assert (title.family, title.source, title.serif) == ("Noto Serif CJK SC", "Debian fonts-noto-cjk (Bold)", True)
    made = TTFont(str(title.path))
    assert title.path.parent == own_fonts / "cache" and "glyf" in made and "CFF " not in made
    assert ord("政") in made.getBestCmap()


def test_the_html_preview_never_falls_back_to_a_sans_serif_face():
    import re

    css = (templating.templates_dir() / "_layout.html.j2").read_text("utf-8")
    families = re.findall(r"font-family:\s*([^;}]+)", css)
    assert families
    for stack in families:
        names = [n.strip().strip('"') for n in stack.split(",")]
        assert names[-1] == "serif" and not any("Sans" in n or n == "sans-serif" for n in names), stack
        assert names[0] in ("仿宋_GB2312", "方正小标宋简体")  # the official face first
