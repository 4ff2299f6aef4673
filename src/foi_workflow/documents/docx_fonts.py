"""Font names, language tags, theme and metadata of a DOCX made from python-docx's template.

The DOCX names the official faces of GB/T 9704 (documents.fonts.ROLES: 仿宋_GB2312 body,
方正小标宋简体 title and issuer, 黑体 and 楷体_GB2312 headings) and embeds none; the font table
gives each its other names (w:altName: 仿宋 / FangSong …) and the GB 2312 character set, so Word
and WPS find the face under the name a PC has it and substitute a face of the same kind where it
is missing. What python-docx's template says otherwise is set right:

- language: zh-CN in the document defaults and every style (the template says en-US), and the
  theme's East Asian language (settings.xml themeFontLang: ja-JP in the template);
- theme fonts: the minor (text) East Asian face 仿宋_GB2312, the major (headings) 黑体, Latin
  Times New Roman; the template's Japanese faces (ＭＳ 明朝 …) leave the font table;
- weights: the Chinese faces have no bold, so a run asked to be "bold" is set in the heavy
  title face instead (`run_fonts`), never with w:b (faked bold);
- metadata: docProps/app.xml names this program, not "Microsoft Macintosh Word"; core.xml has
  title, subject, creator; the template's thumbnail picture is dropped. Nothing depends on the clock.

Used by documents.docx_writer (and open to the annual report): `localise(d, …)` on the
python-docx Document, `fix_part(name, data, company)` on each ZIP entry when the file is written,
`run_fonts(run, face, size, bold=…, color=…)` for each run.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree

from .fonts import ROLES

BODY_FONT = ROLES["body"].official          # 仿宋_GB2312
TITLE_FONT = ROLES["title"].official        # 方正小标宋简体
HEADING1_FONT = ROLES["heading1"].official  # 黑体
HEADING2_FONT = ROLES["heading2"].official  # 楷体_GB2312
LATIN_FONT = "Times New Roman"
LANG = "zh-CN"
APPLICATION = "foi_workflow"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# font table entries: panose of the Windows faces (FangSong, SimHei, KaiTi share one), GB 2312 (86)
_FACES = ((BODY_FONT, "02010609060101010101"), (TITLE_FONT, "02000000000000000000"),
          (HEADING1_FONT, "02010609060101010101"), (HEADING2_FONT, "02010609060101010101"))


# GB/T 9704 7.3.3: 一级标题 黑体, 二级 楷体, 三、四级 仿宋; the title 小标宋
_STYLE_FACES = {"Title": TITLE_FONT, "Heading1": HEADING1_FONT, "Heading2": HEADING2_FONT}


def run_fonts(run, east_asian: str, size: float, bold: bool = False, color=None) -> None:
    """Size, Latin face (Times New Roman), East Asian face, colour of a run. `bold`: the heavy
    title face (方正小标宋简体) — Chinese official faces have no bold weight, and w:b would make
    Word embolden the strokes."""
    run.font.size = Pt(size)
    run.font.bold = None
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:  # pragma: no cover - python-docx adds it when font.name is set
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), TITLE_FONT if bold else east_asian)
    rfonts.set(qn("w:cs"), LATIN_FONT)
    if color is not None:
        run.font.color.rgb = RGBColor(*color)


def _lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # last child of rPr: its place in the schema's sequence
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)


def _explicit_fonts(rpr, east_asian: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in _THEME_ATTRS:  # a theme attribute wins over the named face: drop them
        rfonts.attrib.pop(qn(attr), None)
    for attr, face in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:cs", LATIN_FONT),
                       ("w:eastAsia", east_asian)):
        rfonts.set(qn(attr), face)


def localise(d, *, title: str, subject: str, author: str, keywords: str = "") -> None:
    """Set python-docx's template right for a Chinese official document (see the module doc)."""
    styles = d.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _explicit_fonts(rpr, BODY_FONT)
    _lang(rpr)
    for style in styles.findall(qn("w:style")):
        srpr = style.find(qn("w:rPr"))
        if srpr is None:
            continue
        rfonts = srpr.find(qn("w:rFonts"))
        if rfonts is not None and any(rfonts.get(qn(a)) for a in _THEME_ATTRS):
            _explicit_fonts(srpr, _STYLE_FACES.get(style.get(qn("w:styleId")) or "", BODY_FONT))
        if srpr.find(qn("w:lang")) is not None:
            _lang(srpr)
    normal = d.styles["Normal"].element.get_or_add_rPr()
    _explicit_fonts(normal, BODY_FONT)
    _lang(normal)
    settings = d.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANG)
        theme_lang.set(qn("w:eastAsia"), LANG)
    package = d.part.package
    for rid, rel in list(package.rels.items()):  # the template's picture of an empty Mac page
        if rel.reltype.endswith("/metadata/thumbnail"):
            del package.rels[rid]
    cp = d.core_properties
    cp.title, cp.subject, cp.author, cp.last_modified_by = title, subject, author, author
    cp.keywords, cp.comments, cp.category, cp.language = keywords, "", "", LANG
    cp.revision = 1


def _app_xml(company: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Application>{APPLICATION}"
            "</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            f"<Company>{escape(company)}</Company><LinksUpToDate>false</LinksUpToDate>"
            "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
            "</Properties>").encode("utf-8")


def _theme(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for kind, ea in (("majorFont", HEADING1_FONT), ("minorFont", BODY_FONT)):
        for scheme in root.iter(f"{{{_A}}}{kind}"):
            scheme.find(f"{{{_A}}}latin").set("typeface", LATIN_FONT)
            scheme.find(f"{{{_A}}}ea").set("typeface", ea)
            for font in scheme.findall(f"{{{_A}}}font"):
                if font.get("script") == "Hans":
                    font.set("typeface", ea)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _font_table(data: bytes) -> bytes:
    root = etree.fromstring(data)
    w = f"{{{_W}}}"
    for font in list(root):
        if font.get(f"{w}name") in ("ＭＳ 明朝", "ＭＳ ゴシック"):  # the template's Japanese faces
            root.remove(font)
    alt = {r.official: r.alt_names[0] for r in ROLES.values()}
    for name, panose in _FACES:
        font = etree.SubElement(root, f"{w}font", {f"{w}name": name})
        etree.SubElement(font, f"{w}altName", {f"{w}val": alt[name]})
        etree.SubElement(font, f"{w}panose1", {f"{w}val": panose})
        etree.SubElement(font, f"{w}charset", {f"{w}val": "86"})
        etree.SubElement(font, f"{w}family", {f"{w}val": "modern" if name != TITLE_FONT else "roman"})
        etree.SubElement(font, f"{w}pitch", {f"{w}val": "variable"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _langs(data: bytes) -> bytes:
    """Every w:lang of a part zh-CN (Word 2010's copy of the styles, stylesWithEffects.xml)."""
    root = etree.fromstring(data)
    for lang in root.iter(f"{{{_W}}}lang"):
        for attr in ("val", "eastAsia"):
            lang.set(f"{{{_W}}}{attr}", LANG)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def fix_part(name: str, data: bytes, company: str) -> bytes:
    """A ZIP entry of the DOCX as it should be written (app.xml, theme, font table)."""
    if name == "docProps/app.xml":
        return _app_xml(company)
    if name == "word/stylesWithEffects.xml" or name == "word/fontTable.xml" \
            or (name.startswith("word/theme/") and name.endswith(".xml")):
        return _fixed_template_part(name, data)
    return data


@lru_cache(maxsize=16)
def _fixed_template_part(name: str, data: bytes) -> bytes:
    """The parts python-docx copies from its template, fixed once per process: the same bytes
    in every document (parsing them was a fifth of a notice's DOCX time)."""
    if name == "word/stylesWithEffects.xml":
        return _langs(data)
    if name == "word/fontTable.xml":
        return _font_table(data)
    return _theme(data)
