"""The CJK font embedded in every PDF: Noto Sans SC from a PyPI package, as static Regular/Bold files.

The package "justmytype-intl-cjk" (installed by pip with the project) ships Noto Sans SC as one
variable TrueType font (weight axis 100–900, default 100 = Thin). PDF writers need a static
font, so the Regular (400) and Bold (700) instances are made once with fontTools and kept in a
cache folder (about 10 MB each, ~10 s each to make; `make venv` makes them at install time,
otherwise the first PDF does). The cache file name carries the source font's hash and the
fontTools version, so a different font or instancer gives a different file, never a stale one.

    cjk_font_path()        # the static Regular TTF: what other writers should embed
    cjk_font_path("bold")  # the static Bold TTF (titles)
    python -m foi_workflow.documents.fonts   # make both now, print their paths
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
_RECIPE = "r2"  # changes whenever _make_instance makes a different file


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


def cache_dir() -> Path:
    """FOI_FONT_CACHE, else <venv>/share/foi_workflow/fonts, else ~/.cache/foi_workflow/fonts."""
    env = os.environ.get("FOI_FONT_CACHE")
    if env:
        return Path(env)
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


def _make_instance(weight: str, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(source_font_path()))
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
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: a reader never sees half a file, and two
    # processes making it at once both end with the same complete file.
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        static.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
def cjk_font_sha256(weight: str = "regular") -> str:
    """Hash of the static font file: part of a rendered document's provenance."""
    return hashlib.sha256(cjk_font_path(weight).read_bytes()).hexdigest()


def prepare() -> dict[str, Path]:
    """Make both static instances now (idempotent); returns weight → path."""
    return {w: cjk_font_path(w) for w in WEIGHTS}


if __name__ == "__main__":  # pragma: no cover - used by the Makefile
    for w, p in prepare().items():
        print(f"{w}: {p}")
