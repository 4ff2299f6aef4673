"""The faces of an official document (GB/T 9704-2012) and the font files the PDFs embed.

One place for "which font draws what": four roles, each with the official face of GB/T 9704
and the open font used when the installation has not named a file for it.

    role       official face     the file: Settings (env)           otherwise (open, embedded)
    body       仿宋_GB2312        font_fangsong (FOI_FONT_FANGSONG)   Noto Serif SC Regular (PyPI)
    title      方正小标宋简体      font_xiaobiaosong (…XIAOBIAOSONG)   Noto Serif CJK SC Bold (Debian
                                                                     fonts-noto-cjk), else Noto Serif SC
    heading1   黑体               font_heiti (FOI_FONT_HEITI)         Noto Sans SC Regular (PyPI)
    heading2   楷体_GB2312        font_kaiti (FOI_FONT_KAITI)         LXGW WenKai (Debian
                                                                     fonts-lxgw-wenkai) or AR PL UKai
                                                                     (fonts-arphic-ukai), else the body face

The body is never a sans-serif face. `title` draws the issuer line (发文机关标志) and the title.

    face("body")            # Face: path (the file to embed), family, official name, source, …
    face("title").path      # e.g. for pdf.add_font("title", "", str(...))
    common_path("body")     # its "common" subset (below): same PDF bytes, a fifth of the reading
    missing("body", text)   # characters of text the face has no glyph for
    check(settings)         # at start-up: the named files exist and hold the templates' characters
    configure(settings)     # entry points: the font files and the cache folder (FOI_FONT_CACHE)
    python -m foi_workflow.documents.fonts   # make the derived files now, print the faces

Derived files, kept in the cache folder and named after their source's hash, the fontTools version
and the recipe (a different source or recipe gives a different file, never a stale one; nothing
in them depends on the clock, so every machine makes the same bytes):

- Noto Sans SC ships (PyPI justmytype-intl-cjk) as one variable font whose default is Thin: a
  static Regular (400) instance is made once with fontTools (~10 s; `make venv` does it).
- A CFF (PostScript-outline) font — Noto Serif SC from PyPI is one — is made TrueType once
  (~30 s of CPU): fpdf2 subsets and writes a TrueType font in half the time of a CFF one. A face
  inside a collection (.ttc, e.g. Debian's NotoSerifCJK-Bold.ttc, whose first face is the
  Japanese one) is taken out by its family name the same way.
- Beside each file, a "common" subset: every glyph that a character of GB 2312, ASCII, Latin-1,
  general punctuation, CJK symbols and punctuation or the full-width forms maps to
  (`COMMON_RANGES`), every table and value otherwise kept. A PDF writer uses it when every
  character of a document is in it and the full file otherwise; the PDF is byte for byte the same
  either way (tests/test_notices_fonts.py), so which was used is not part of the provenance.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from ..domain.errors import InputError


@dataclass(frozen=True)
class Role:
    key: str
    official: str               # the face GB/T 9704 names (what the DOCX names)
    setting: str                # the Settings field naming the agency's own file
    use: str                    # what it draws (Chinese, for messages)
    alt_names: tuple[str, ...]  # other names of the same face (DOCX font table, CSS)


ROLES: dict[str, Role] = {r.key: r for r in (
    Role("body", "仿宋_GB2312", "font_fangsong", "正文", ("仿宋", "FangSong", "FangSong_GB2312")),
    Role("title", "方正小标宋简体", "font_xiaobiaosong", "标题和发文机关标志",
         ("方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "宋体", "SimSun")),
    Role("heading1", "黑体", "font_heiti", "一级标题", ("SimHei",)),
    Role("heading2", "楷体_GB2312", "font_kaiti", "二级标题", ("楷体", "KaiTi", "KaiTi_GB2312")),
)}


@dataclass(frozen=True)
class Face:
    """The font a role is drawn in on this installation."""

    role: str
    official: str       # the official face of the role (仿宋_GB2312, …)
    family: str         # the font's own family name, e.g. "Noto Serif SC"
    path: Path          # the single-font file (TrueType or CFF OpenType) to embed
    source: str         # where it comes from: a setting, a PyPI or a Debian package
    licence: str
    is_official: bool   # a file the installation named in its settings
    serif: bool         # a Song/Ming, FangSong or Kai face (False: a 黑体-like sans)


#: Characters of the common subset besides GB 2312: (first, last) code points, inclusive.
COMMON_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x2000, 0x206F),  # general punctuation (— … ‘’ “”)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。〔〕《》「」)
    (0xFF00, 0xFFEF),  # half-width and full-width forms (，：；（）)
)
# Tables a PDF writer does not use (no shaping: Chinese needs none); dropped from the variable
# font before instancing (faster to build, smaller).
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "STAT")
# Recipes: change whenever the code makes a different file from the same source.
# r3: head.modified is the source font's; the name table names the instance "Noto Sans SC Regular".
_RECIPE = "r3"
_CONVERT_RECIPE = "t1"  # _single: one TrueType face out of a collection or a CFF font


class FontMissing(InputError):
    """A font file or package is missing, unreadable, or lacks characters the documents need."""


# ----- where the files are -------------------------------------------------------------------

_configured_cache: Path | None = None
_configured_files: dict[str, Path] = {}


def _forget() -> None:
    for cached in (face, cjk_font_path, common_font_path, cjk_font_sha256, _resolved_common):
        cached.cache_clear()


def use_cache_dir(folder: Path | str | None) -> None:
    """Keep the derived font files in `folder` (Settings.font_cache, FOI_FONT_CACHE, given by the
    entry point); None: the default place. The paths found before are forgotten when it changes."""
    global _configured_cache
    new = Path(folder) if folder else None
    if new != _configured_cache:
        _configured_cache = new
        _forget()


def use_files(files: dict[str, Path | str | None]) -> None:
    """The agency's own font files by role ("body": "/…/仿宋_GB2312.ttf"); None or "": the open font."""
    global _configured_files
    new = {role: Path(p) for role, p in files.items() if p}
    unknown = set(new) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown font roles {sorted(unknown)}")
    if new != _configured_files:
        _configured_files = new
        _forget()


def configure(settings: Any) -> None:
    """The font cache folder and the font files named in `settings` (a Settings); entry points and
    register.render call it (cheap when nothing changed)."""
    if settings is None:
        return
    use_cache_dir(getattr(settings, "font_cache", None))
    use_files({key: getattr(settings, role.setting, None) for key, role in ROLES.items()})


def cache_dir() -> Path:
    """The folder given to use_cache_dir (Settings.font_cache), else <venv>/share/foi_workflow/fonts,
    else ~/.cache/foi_workflow/fonts."""
    if _configured_cache is not None:
        return _configured_cache
    in_prefix = Path(sys.prefix) / "share" / "foi_workflow" / "fonts"
    try:
        in_prefix.mkdir(parents=True, exist_ok=True)
        if os.access(in_prefix, os.W_OK):
            return in_prefix
    except OSError:  # pragma: no cover - read-only installation
        pass
    return Path.home() / ".cache" / "foi_workflow" / "fonts"  # pragma: no cover


@lru_cache(maxsize=32)
def _sha256(path: Path, size: int, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_sha256(path: Path) -> str:
    st = path.stat()
    return _sha256(path, st.st_size, st.st_mtime)


def _save(font, target: Path) -> None:
    """Written beside the target and renamed: a reader never sees half a file, and two
    processes making it at once both end with the same complete file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        font.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ----- the open fonts ------------------------------------------------------------------------

def _package_file(package: str, *parts: str) -> Path | None:
    try:
        base = resources.files(package)
    except ModuleNotFoundError:
        return None
    path = Path(str(base.joinpath(*parts)))
    return path if path.is_file() else None


# Noto Sans SC (justmytype-intl-cjk): variable, made static at Regular (400) for the 黑体 role.
_SANS_PACKAGE = "justmytype_intl_cjk"
_SANS_RELATIVE = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
SANS_FAMILY = "Noto Sans SC"
WEIGHTS = {"regular": 400.0}


@lru_cache(maxsize=1)
def source_font_path() -> Path:
    """The variable Noto Sans SC file as shipped by the package (source of the 黑体 role)."""
    path = _package_file(_SANS_PACKAGE, *_SANS_RELATIVE)
    if path is None:  # pragma: no cover - install problem
        raise FontMissing("justmytype-intl-cjk", "字体包须随程序安装（make venv 或 pip install -e .）",
                          "缺少中文字体包 justmytype-intl-cjk（Noto Sans SC）")
    return path


def _instance_name(weight: str) -> str:
    import fontTools

    return (f"NotoSansSC-{int(WEIGHTS[weight])}-{file_sha256(source_font_path())[:16]}"
            f"-ft{fontTools.version}-{_RECIPE}.ttf")


def _name_instance(font, weight: str) -> None:
    """Name the static instance after its weight (the variable source names its default, Thin)."""
    style = {"regular": "Regular", "bold": "Bold"}[weight]
    names = {1: SANS_FAMILY, 2: style, 4: f"{SANS_FAMILY} {style}",
             6: f"NotoSansSC-{style}", 3: f"{font['head'].fontRevision:.3f};NotoSansSC-{style}"}
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (16, 17):  # typographic family/style: the same as 1/2 now
            table.removeNames(nameID=record.nameID)
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)


def _make_instance(weight: str, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(source_font_path()))
    stamp = font["head"].modified
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    static = instancer.instantiateVariableFont(font, {"wght": WEIGHTS[weight]}, static=True,
                                               optimize=False)
    # Glyph names stored in the file (post format 2): a PDF writer opening the font then reads
    # them instead of deriving 30,000 names from the cmap (a third faster per document).
    static.getGlyphOrder()
    post = static["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    _name_instance(static, weight)
    # No clock in the file: fpdf2 embeds head.modified as it is.
    static.recalcTimestamp = False
    static["head"].modified = stamp
    _save(static, target)


def _sans_instance() -> Path | None:
    if _package_file(_SANS_PACKAGE, *_SANS_RELATIVE) is None:
        return None
    target = cache_dir() / _instance_name("regular")
    if not target.is_file():
        _make_instance("regular", target)
    return target


def _serif_sc() -> Path | None:
    # Noto Serif SC Regular as a static CFF OpenType font (PyPI pylopdf-fonts-zh-cn)
    return _package_file("pylopdf_fonts_zh_cn", "NotoSerifSC-Regular.otf")


#: Folders searched for the Debian packages' files (tests add their own).
SYSTEM_FONT_DIRS: list[Path] = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]


def _system(relative: str) -> Callable[[], Path | None]:
    def locate() -> Path | None:
        for folder in SYSTEM_FONT_DIRS:
            path = folder / relative
            if path.is_file():
                return path
        return None
    return locate


@dataclass(frozen=True)
class _Open:
    family: str                 # the family name inside the file (picks the face of a collection)
    source: str
    licence: str
    serif: bool
    locate: Callable[[], Path | None]


_OFL = "SIL Open Font License 1.1"
_SERIF_SC = _Open("Noto Serif SC", "PyPI pylopdf-fonts-zh-cn", _OFL, True, _serif_sc)
#: The open fonts by role, best first; the first installed one is used.
OPEN_FONTS: dict[str, tuple[_Open, ...]] = {
    "body": (_SERIF_SC,),
    "title": (_Open("Noto Serif CJK SC", "Debian fonts-noto-cjk (Bold)", _OFL, True,
                    _system("opentype/noto/NotoSerifCJK-Bold.ttc")),
              _SERIF_SC),
    "heading1": (_Open(SANS_FAMILY, "PyPI justmytype-intl-cjk (Regular instance)", _OFL, False,
                       _sans_instance),),
    "heading2": (_Open("LXGW WenKai", "Debian fonts-lxgw-wenkai", _OFL, True,
                       _system("truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")),
                 _Open("AR PL UKai CN", "Debian fonts-arphic-ukai", "Arphic Public License", True,
                       _system("truetype/arphic/ukai.ttc")),
                 _SERIF_SC),
}


# ----- single TrueType fonts out of collections and CFF fonts ---------------------------------

def _family_of(font) -> str:
    name = font["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


def _is_collection(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"ttcf"


def _to_truetype(font) -> None:
    """CFF outlines → TrueType (quadratic, within 1/1000 em) in place: fpdf2 subsets and writes a
    TrueType font in half the time of a CFF one (0.25 s against 0.47 s a notice)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def _single(path: Path, family: str | None) -> tuple[Path, str]:
    """A single TrueType font to embed: the file itself when it is one; else, made once in the
    cache, its face named `family` (else the first) of a collection and/or its CFF outlines
    as TrueType (~90 s for a full Chinese font; `make venv` does it for the open fonts).
    Also the face's family name."""
    from fontTools.ttLib import TTCollection, TTFont

    index, names = 0, None
    if _is_collection(path):
        names = [_family_of(f) for f in TTCollection(str(path), lazy=True).fonts]
        index = names.index(family) if family in names else 0
    head = TTFont(str(path), fontNumber=index, lazy=True)
    name = _family_of(head)
    if names is None and "glyf" in head:
        return path, name
    import fontTools

    target = cache_dir() / (f"{name.replace(' ', '') or path.stem}-{index}-{file_sha256(path)[:16]}"
                            f"-ft{fontTools.version}-{_CONVERT_RECIPE}.ttf")
    if not target.is_file():
        font = TTFont(str(path), fontNumber=index, recalcTimestamp=False)
        stamp = font["head"].modified
        for tag in _UNUSED_TABLES + ("DSIG",):
            if tag in font:
                del font[tag]
        if "glyf" not in font:
            _to_truetype(font)
        post = font["post"]  # glyph names in the file: fpdf2 reads them instead of deriving them
        if len(font.getGlyphOrder()) + 258 < 0x10000:  # format 2 indexes names with 16 bits
            post.formatType, post.extraNames, post.mapping = 2.0, [], {}
        else:  # a pan-CJK font (65,535 glyphs): no names stored
            post.formatType = 3.0
        font["head"].modified = stamp  # no clock in the file
        _save(font, target)
    return target, name


# ----- the faces -----------------------------------------------------------------------------

def _official_face(role: Role, path: Path) -> Face:
    env = "FOI_" + role.setting.upper()
    if not path.is_file():
        raise FontMissing(env, "设置中指定的字体文件须存在且可读",
                          f"找不到字体文件 {path}（{role.official}，用于{role.use}）")
    try:
        single, family = _single(path, None)
    except Exception as exc:  # fontTools raises many kinds for a file that is not a font
        raise FontMissing(env, "设置中指定的字体文件须为 TrueType/OpenType 字体（.ttf/.otf/.ttc）",
                          f"{path} 不是可用的字体文件（{role.official}，用于{role.use}）："
                          f"{type(exc).__name__}") from None
    return Face(role.key, role.official, family or path.stem, single, env, "机关自备字体",
                True, role.key != "heading1")


@lru_cache(maxsize=8)
def face(role: str) -> Face:
    """The face `role` ("body", "title", "heading1", "heading2") is drawn in here: the file the
    settings name, else the first installed open font of OPEN_FONTS[role]."""
    spec = ROLES[role]  # KeyError: not a role
    if role in _configured_files:
        return _official_face(spec, _configured_files[role])
    for candidate in OPEN_FONTS[role]:
        found = candidate.locate()
        if found is not None:
            single, family = _single(found, candidate.family)
            return Face(role, spec.official, family or candidate.family, single, candidate.source,
                        candidate.licence, False, candidate.serif)
    raise FontMissing("FOI_" + spec.setting.upper(), "字体包须随程序安装（make venv 或 pip install -e .）",
                      f"没有可用于{spec.use}（{spec.official}）的字体：缺少字体包 "
                      + "、".join(c.source for c in OPEN_FONTS[role]))


def faces() -> dict[str, Face]:
    return {role: face(role) for role in ROLES}


# ----- common subsets ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def common_charset() -> frozenset[int]:
    """GB 2312 (every valid byte pair decoded by Python's own codec) and COMMON_RANGES."""
    chars = {cp for first, last in COMMON_RANGES for cp in range(first, last + 1)}
    for hi in range(0xA1, 0xFF):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def _common_name(full: Path) -> str:
    import fontTools

    tag = hashlib.sha256(",".join(map(str, sorted(common_charset()))).encode()).hexdigest()[:8]
    if full.parent == cache_dir() and "-ft" in full.stem:  # a derived file: its name has the hash
        return f"{full.stem}-common-{tag}{full.suffix}"
    return (f"{full.stem}-{file_sha256(full)[:16]}-ft{fontTools.version}-{_RECIPE}"
            f"-common-{tag}{full.suffix}")


def _make_common(full: Path, target: Path) -> None:
    """The full file cut down to the glyphs of common_charset, nothing else changed: the glyphs
    keep their order, outlines, widths and names, every code point mapped to a kept glyph stays
    mapped (so fpdf2's own subset of it equals its subset of the full file), and the head table
    keeps the full file's bounding box and time stamp (the PDF's font descriptor reads them)."""
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    font = TTFont(str(full), recalcTimestamp=False, recalcBBoxes=False)
    cmap = font.getBestCmap()
    options = ftsubset.Options(
        notdef_outline=True, recommended_glyphs=True, notdef_glyph=True, glyph_names=True,
        name_IDs=["*"], name_languages=["*"], name_legacy=True, hinting=True, legacy_kern=True,
        prune_unicode_ranges=False, drop_tables=[])
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=sorted({cmap[cp] for cp in common_charset() if cp in cmap}))
    subsetter.subset(font)
    _save(font, target)


@lru_cache(maxsize=8)
def _resolved_common(full: Path) -> Path:
    target = cache_dir() / _common_name(full)
    if not target.is_file():
        _make_common(full, target)
    return target


def common_path(role: str) -> Path:
    """The common subset of face(role).path (made from it on first use, 0.5–10 s)."""
    return _resolved_common(face(role).path)


# ----- glyphs --------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(path), lazy=True).getBestCmap())


def coverage(role: str) -> frozenset[int]:
    """Code points face(role) has a glyph for."""
    return _cmap(face(role).path)


def missing(role: str, text: str) -> str:
    """The characters of `text` (each once, in order) that face(role) has no glyph for."""
    have = coverage(role)
    out: dict[str, None] = {}
    for ch in text:
        if ch not in "\n\r\t" and ord(ch) not in have:
            out.setdefault(ch)
    return "".join(out)


def describe(chars: str, limit: int = 10) -> str:
    shown = "、".join(f"“{ch}”（U+{ord(ch):04X}）" for ch in chars[:limit])
    return shown + (f" 等 {len(chars)} 个字" if len(chars) > limit else "")


def require_glyphs(role: str, field: str, part: str, text: str) -> None:
    """InputError naming `field` when face(role) lacks a character of `text` (`part`: where it
    stands, in Chinese): a legal document is never printed with a missing-glyph box."""
    lacking = missing(role, text)
    if lacking:
        f = face(role)
        raise InputError(field, "文书中的每个字都须在所用字体中有字形（不得印出缺字方框）",
                         f"{part}中的{describe(lacking)}不在字体“{f.family}”（{f.official}，"
                         f"用于{ROLES[role].use}）中，文书未出具：请核对该字，或在设置 "
                         f"FOI_{ROLES[role].setting.upper()} 中指定含有该字的字体文件")


# ----- start-up check ------------------------------------------------------------------------

def _template_text(templates_dir: Path | None) -> str:
    from ..notices import templating

    folder = Path(templates_dir) if templates_dir else templating.templates_dir()
    return "".join(p.read_text("utf-8") for p in sorted(folder.rglob("*.j2")) if p.is_file())


def check(settings: Any = None) -> dict[str, Face]:
    """Start-up check (foi web, foi notice render, foi fonts check): configure from `settings`;
    every role has a face; a file the settings name exists, is a font, and has a glyph for every
    character the templates write. Raises FontMissing (a Chinese message naming the variable)."""
    configure(settings)
    found = faces()
    text = ""
    for role, f in found.items():
        if not f.is_official:
            continue
        text = text or _template_text(getattr(settings, "templates_dir", None))
        lacking = "".join(ch for ch in dict.fromkeys(text)
                          if ch not in "\n\r\t" and ord(ch) not in coverage(role))
        if lacking:
            raise FontMissing(f.source, "设置中指定的字体须含有文书模板所用的每个字",
                              f"字体文件 {_configured_files[role]}（{f.official}，用于"
                              f"{ROLES[role].use}）缺少 {describe(lacking)}")
    return found


def prepare() -> dict[str, Path]:
    """Make every derived file now (idempotent): name → path."""
    paths: dict[str, Path] = {}
    for role in ROLES:
        paths[role] = face(role).path
        paths[f"{role} (common)"] = common_path(role)
    return paths


# ----- kept for callers written before the roles ---------------------------------------------

#: The face the DOCX names for text (the annual report's DOCX style uses it).
CJK_FAMILY = ROLES["body"].official
_WEIGHT_ROLE = {"regular": "body", "bold": "title"}


@lru_cache(maxsize=4)
def cjk_font_path(weight: str = "regular") -> Path:
    """face("body").path ("regular") or face("title").path ("bold")."""
    if weight not in _WEIGHT_ROLE:
        raise ValueError(f"weight must be one of {sorted(_WEIGHT_ROLE)}")
    return face(_WEIGHT_ROLE[weight]).path


@lru_cache(maxsize=4)
def common_font_path(weight: str = "regular") -> Path:
    if weight not in _WEIGHT_ROLE:
        raise ValueError(f"weight must be one of {sorted(_WEIGHT_ROLE)}")
    return common_path(_WEIGHT_ROLE[weight])


@lru_cache(maxsize=4)
def cjk_font_sha256(weight: str = "regular") -> str:
    return file_sha256(cjk_font_path(weight))


def _lines(found: Iterable[Face]) -> list[str]:
    return [f"{f.role}（{f.official}，{ROLES[f.role].use}）：{f.family} — {f.source}；"
            f"{f.licence}；{f.path}" for f in found]


if __name__ == "__main__":  # pragma: no cover - used by the Makefile (an entry point: reads Settings)
    from ..config import Settings

    check(Settings.load())  # a font file named in the settings that is unusable: stop here
    for name, p in prepare().items():
        print(f"{name}: {p}")
