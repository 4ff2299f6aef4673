"""The CJK font embedded in every PDF: Noto Sans SC from a PyPI package, as static Regular/Bold files.

The package "justmytype-intl-cjk" (installed by pip with the project) ships Noto Sans SC as one
variable TrueType font (weight axis 100–900, default 100 = Thin). PDF writers need a static
font, so the Regular (400) and Bold (700) instances are made once with fontTools and kept in a
cache folder (about 10 MB each, ~10 s each to make; `make venv` makes them at install time,
otherwise the first PDF does). The cache file name carries the source font's hash, the
fontTools version and the recipe, so a different font or instancer gives a different file, never
a stale one; the file itself depends on nothing else (no clock), so every machine makes the same
bytes.

Beside each full instance, a "common" subset of it (about 2.4 MB): every glyph that a character
of GB 2312, ASCII, Latin-1, general punctuation, CJK symbols and punctuation or the full-width
forms maps to (`COMMON_RANGES`), with every table and value of the full file otherwise kept.
Opening it costs a fifth of opening the full file; a PDF writer uses it when every character of
a document is in it (`common_coverage`) and the full instance otherwise, and the PDF comes out
byte for byte the same either way (tests/test_notices_fonts.py checks it), so which of the two
was used is not part of a document's provenance.

    cjk_font_path()          # the static Regular TTF: what other writers should embed
    cjk_font_path("bold")    # the static Bold TTF (titles)
    common_font_path("bold") # its common subset (documents.pdf_writer picks it when it covers)
    python -m foi_workflow.documents.fonts   # make all four now, print their paths
    use_cache_dir(settings.font_cache)       # entry points: where the files are kept (FOI_FONT_CACHE)
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Noto Sans SC (SIL Open Font License 1.1), installed by pip: no system font package needed.
_PACKAGE = "justmytype_intl_cjk"
_RELATIVE = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")

#: Font family name the writers register (and the HTML preview asks for).
CJK_FAMILY = "Noto Sans SC"
WEIGHTS = {"regular": 400.0, "bold": 700.0}
# Tables a PDF writer does not use (no shaping: Chinese needs none); dropping them before
# instancing makes the instance faster to build and smaller.
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "STAT")
# Changes whenever _make_instance makes a different file. r3: head.modified is the source
# font's (r2 stamped the time the file was made, so two installations made different PDFs) and
# the name table names the instance ("Noto Sans SC Regular/Bold", not the source's "Thin").
_RECIPE = "r3"
_STYLE_NAMES = {"regular": "Regular", "bold": "Bold"}
#: Characters of the common subset besides GB 2312: (first, last) code points, inclusive.
COMMON_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x2000, 0x206F),  # general punctuation (— … ‘’ “”)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。〔〕《》「」)
    (0xFF00, 0xFFEF),  # half-width and full-width forms (，：；（）)
)


class FontMissing(RuntimeError):
    """The CJK font package is not installed (run `make venv` / `pip install -e .`)."""


@lru_cache(maxsize=1)
def source_font_path() -> Path:
    """The variable Noto Sans SC file as shipped by the package."""
    try:
        base = resources.files(_PACKAGE)
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise FontMissing("缺少中文字体包 justmytype-intl-cjk：请运行 make venv 或 "
                          "pip install -e . 安装依赖") from exc
    path = Path(str(base.joinpath(*_RELATIVE)))
    if not path.is_file():  # pragma: no cover - install problem
        raise FontMissing(f"中文字体文件不存在：{path}")
    return path


@lru_cache(maxsize=1)
def _source_sha256() -> str:
    return hashlib.sha256(source_font_path().read_bytes()).hexdigest()


_configured_cache: Path | None = None


def use_cache_dir(folder: Path | str | None) -> None:
    """Keep the font files in `folder` (Settings.font_cache, FOI_FONT_CACHE, given by the entry
    point); None: the default place. The paths found before are forgotten when it changes."""
    global _configured_cache
    new = Path(folder) if folder else None
    if new != _configured_cache:
        _configured_cache = new
        for cached in (cjk_font_path, common_font_path, cjk_font_sha256):
            cached.cache_clear()


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


def _instance_name(weight: str) -> str:
    import fontTools

    return (f"NotoSansSC-{int(WEIGHTS[weight])}-{_source_sha256()[:16]}-ft{fontTools.version}"
            f"-{_RECIPE}.ttf")


def _name_instance(font, weight: str) -> None:
    """Name the static instance after its weight (the variable source names its default, Thin)."""
    style = _STYLE_NAMES[weight]
    names = {1: CJK_FAMILY, 2: style, 4: f"{CJK_FAMILY} {style}",
             6: f"NotoSansSC-{style}", 3: f"{font['head'].fontRevision:.3f};NotoSansSC-{style}"}
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (16, 17):  # typographic family/style: the same as 1/2 now
            table.removeNames(nameID=record.nameID)
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
    if weight == "bold":
        font["head"].macStyle |= 1                                   # bold
        font["OS/2"].fsSelection = (font["OS/2"].fsSelection & ~(1 << 6)) | (1 << 5)  # BOLD, not REGULAR


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
    # No clock in the file: fpdf2 embeds head.modified as it is, so a stamp of "now" would make
    # the same notice different bytes on another installation.
    static.recalcTimestamp = False
    static["head"].modified = stamp
    _save(static, target)


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


def _common_name(weight: str) -> str:
    tag = hashlib.sha256(",".join(map(str, sorted(common_charset()))).encode()).hexdigest()[:8]
    return _instance_name(weight).replace(".ttf", f"-common-{tag}.ttf")


def _make_common(weight: str, target: Path) -> None:
    """The full instance cut down to the glyphs of common_charset, nothing else changed: the
    glyphs keep their order, outlines, widths and names, every code point mapped to a kept glyph
    stays mapped (so fpdf2's own subset of it equals its subset of the full file), and the head
    table keeps the full file's bounding box and time stamp (the PDF's font descriptor reads them)."""
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    font = TTFont(str(cjk_font_path(weight)), recalcTimestamp=False, recalcBBoxes=False)
    cmap = font.getBestCmap()
    options = ftsubset.Options(
        notdef_outline=True, recommended_glyphs=True, notdef_glyph=True, glyph_names=True,
        name_IDs=["*"], name_languages=["*"], name_legacy=True, hinting=True, legacy_kern=True,
        prune_unicode_ranges=False, drop_tables=[])
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=sorted({cmap[cp] for cp in common_charset() if cp in cmap}))
    subsetter.subset(font)
    _save(font, target)


@lru_cache(maxsize=4)
def cjk_font_path(weight: str = "regular") -> Path:
    """The static CJK TrueType font (weight "regular" or "bold") to embed in PDFs."""
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {sorted(WEIGHTS)}")
    target = cache_dir() / _instance_name(weight)
    if not target.is_file():
        _make_instance(weight, target)
    return target


@lru_cache(maxsize=4)
def common_font_path(weight: str = "regular") -> Path:
    """The common subset of cjk_font_path(weight) (made from it on first use, about 0.5 s)."""
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {sorted(WEIGHTS)}")
    target = cache_dir() / _common_name(weight)
    if not target.is_file():
        _make_common(weight, target)
    return target


@lru_cache(maxsize=4)
def cjk_font_sha256(weight: str = "regular") -> str:
    """Hash of the static font file: part of a rendered document's provenance."""
    return hashlib.sha256(cjk_font_path(weight).read_bytes()).hexdigest()


def prepare() -> dict[str, Path]:
    """Make the static instances and their common subsets now (idempotent); name → path."""
    paths = {w: cjk_font_path(w) for w in WEIGHTS}
    paths.update({f"{w} (common)": common_font_path(w) for w in WEIGHTS})
    return paths


if __name__ == "__main__":  # pragma: no cover - used by the Makefile (an entry point: reads Settings)
    from ..config import Settings

    use_cache_dir(Settings.load().font_cache)
    for w, p in prepare().items():
        print(f"{w}: {p}")
