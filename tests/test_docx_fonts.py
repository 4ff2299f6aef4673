"""The DOCX names the official faces, speaks zh-CN, has real weights and clean metadata.

What an office notices when it opens the file in Word or WPS: the text is in 仿宋_GB2312 and the
title in 方正小标宋简体 (or, on a PC without them, the face the font table names beside them:
仿宋 / FangSong …), the proofing language is Chinese (not English with a Japanese theme), the
title is not fattened by a faked bold, and File › Properties shows the agency and the notice —
not "Microsoft Macintosh Word" or "python-docx".
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from foi_workflow.documents.docx_writer import write_docx

from .test_notices import RECEIVED, new_case, notices_of, office, render, step  # noqa: F401
from .test_notices_fonts import _doc

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_docx_styles_and_defaults_are_zh_cn_and_name_the_official_faces():
    parts = _parts(write_docx(_doc("张三")))
    styles = etree.fromstring(parts["word/styles.xml"])
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = defaults.find(f"{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312" and fonts.get(f"{W}ascii") == "Times New Roman"
    assert not any(k.endswith("Theme") or k.endswith("theme") for k in fonts.attrib)  # a theme would win
    langs = list(styles.iter(f"{W}lang"))
    assert langs and all(lang.get(f"{W}val") == lang.get(f"{W}eastAsia") == "zh-CN" for lang in langs)
    normal = styles.find(f"{W}style[@{W}styleId='Normal']/{W}rPr")
    assert normal.find(f"{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    assert normal.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"
    by_id = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    assert by_id["Heading1"].find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "黑体"
    assert by_id["Heading2"].find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "楷体_GB2312"
    assert b"en-US" not in parts["word/styles.xml"] and b"ja-JP" not in parts["word/styles.xml"]
    assert b"en-US" not in parts["word/stylesWithEffects.xml"]
    settings = etree.fromstring(parts["word/settings.xml"])
    theme_lang = settings.find(f"{W}themeFontLang")
    assert (theme_lang.get(f"{W}val"), theme_lang.get(f"{W}eastAsia")) == ("zh-CN", "zh-CN")
    theme = etree.fromstring(parts["word/theme/theme1.xml"])
    assert theme.find(f".//{A}minorFont/{A}ea").get("typeface") == "仿宋_GB2312"
    assert theme.find(f".//{A}majorFont/{A}ea").get("typeface") == "黑体"


def test_docx_font_table_gives_each_official_face_its_other_name_and_gb2312():
    table = etree.fromstring(_parts(write_docx(_doc("张三")))["word/fontTable.xml"])
    faces = {f.get(f"{W}name"): f for f in table.findall(f"{W}font")}
    for name, alt in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "方正小标宋_GBK"), ("黑体", "SimHei"),
                      ("楷体_GB2312", "楷体")):
        assert faces[name].find(f"{W}altName").get(f"{W}val") == alt
        assert faces[name].find(f"{W}charset").get(f"{W}val") == "86"  # GB 2312
    assert "ＭＳ 明朝" not in faces and "ＭＳ ゴシック" not in faces  # the template's Japanese faces


def test_docx_title_and_issuer_use_the_heavy_face_without_faked_bold():
    document = etree.fromstring(_parts(write_docx(_doc("张三")))["word/document.xml"])
    assert not list(document.iter(f"{W}b")) and not list(document.iter(f"{W}bCs"))  # no w:b anywhere
    runs: dict = {}
    for r in document.iter(f"{W}r"):  # the first run of each text (the issuer comes before the signature)
        runs.setdefault("".join(t.text or "" for t in r.iter(f"{W}t")), r)
    for text in ("榆次区自然资源局", "政府信息公开申请答复书"):
        face = runs[text].find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia")
        assert face == "方正小标宋简体", text
    assert runs["事项"].find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"  # header row
    assert runs["张三"].find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"


def test_docx_metadata_names_the_agency_and_the_notice_not_the_template():
    data = write_docx(_doc("张三"))
    assert write_docx(_doc("张三")) == data  # deterministic: the same bytes again
    parts = _parts(data)
    app = parts["docProps/app.xml"].decode("utf-8")
    assert "Microsoft" not in app and "Macintosh" not in app
    assert "<Application>foi_workflow</Application>" in app and "<Company>榆次区自然资源局</Company>" in app
    core = parts["docProps/core.xml"].decode("utf-8")
    assert "<dc:title>政府信息公开申请答复书</dc:title>" in core
    assert "<dc:subject>榆次区自然资源局依申请公开〔2026〕7号</dc:subject>" in core
    assert "<dc:creator>榆次区自然资源局</dc:creator>" in core and "python-docx" not in core
    assert "<dc:language>zh-CN</dc:language>" in core
    assert re.search(r"<dcterms:created[^>]*>2026-03-09T00:00:00Z<", core)
    assert not any("thumbnail" in n for n in parts)  # the template's Mac thumbnail is gone
    assert b"thumbnail" not in parts["_rels/.rels"]


def test_a_rendered_notice_docx_is_zh_cn_with_clean_metadata(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    parts = _parts(render(url, rec.key, tmp_path).files["docx"].read_bytes())
    assert b"Macintosh" not in parts["docProps/app.xml"]
    assert b'w:eastAsia="zh-CN"' in parts["word/styles.xml"] and b"ja-JP" not in parts["word/settings.xml"]
    assert "仿宋_GB2312".encode() in parts["word/document.xml"]
