"""Finding a font that draws Chinese: Noto Sans CJK and the usual system CJK fonts."""

from __future__ import annotations

import logging
import warnings
from functools import cache

__all__ = ["CJK_FONTS", "FALLBACK_FONT", "cjk_font", "font_family"]

log = logging.getLogger("parkmap")

#: CJK font families tried in order (Debian's fonts-noto-cjk first, then those of
#: Windows and macOS, then other free fonts).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)
#: Latin font shipped with matplotlib, used after the CJK font and alone without one.
FALLBACK_FONT = "DejaVu Sans"


@cache
def _installed() -> frozenset[str]:
    from matplotlib import font_manager

    return frozenset(f.name for f in font_manager.fontManager.ttflist)


def cjk_font() -> str | None:
    """The first installed family of :data:`CJK_FONTS`, or None when none is installed.

    Examples
    --------
    >>> name = cjk_font()
    >>> name is None or name in CJK_FONTS
    True
    """
    installed = _installed()
    return next((name for name in CJK_FONTS if name in installed), None)


def font_family(lang: str) -> tuple[list[str], str]:
    """Font families for a figure in ``lang`` and the language the figure can be drawn in.

    Without a CJK font a Chinese figure would show empty boxes: it warns, logs and
    falls back to English (the figure's notes say so).

    Returns
    -------
    families : list of str
        For matplotlib's ``fontfamily`` (the CJK font first, then :data:`FALLBACK_FONT`).
    lang : str
        ``lang``, or ``"en"`` when Chinese cannot be drawn.
    """
    name = cjk_font()
    if name is not None:
        return [name, FALLBACK_FONT], lang
    if lang == "zh":
        message = (
            "no CJK font found (tried " + ", ".join(CJK_FONTS[:3]) + " ...): the figure is "
            "drawn in English; install one, e.g. `apt-get install fonts-noto-cjk`"
        )
        warnings.warn(message, UserWarning, stacklevel=3)
        log.warning("%s", message)
        return [FALLBACK_FONT], "en"
    return [FALLBACK_FONT], lang
