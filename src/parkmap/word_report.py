"""A Word report of a park (规划说明书 material): tables, charts and map figures.

:func:`word_report` writes a ``.docx`` with python-docx:

1. the area tables of :func:`parkmap.area_report` (clusters, development boundary,
   sub-parks, every layer by kind or status, headline figures);
2. the land-availability waterfall (chart and table) and its table by cluster and
   sub-park in 公顷 and 亩, with the available land by sub-park (free now /
   conditional);
3. the layout indicators: the summary and the table by sub-park of
   :func:`parkmap.layout`;
4. the map figures of :func:`parkmap.figures.figure` (land use, constraints,
   availability, layout) on landscape pages;
5. the CRS, the data sources and the rules used.

The tables are the text report's own tables (its Markdown rendering), so every number
is rounded and labelled exactly as in ``parkmap report``; they use Word's built-in
table style :data:`TABLE_STYLE`, which a planner restyles in one click. Chinese text
uses the East Asian fonts :data:`EAST_ASIAN_FONT` (body) and :data:`HEADING_FONT`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from parkmap._data import package_version
from parkmap.errors import DataFileError, OutputExistsError
from parkmap.io import atomic_output
from parkmap.park import Park
from parkmap.vocab import note_text, text

__all__ = ["EAST_ASIAN_FONT", "HEADING_FONT", "TABLE_STYLE", "markdown_blocks", "word_report"]

log = logging.getLogger("parkmap")

#: Built-in Word table style of every table.
TABLE_STYLE = "Light Grid Accent 1"
#: East Asian font of body text (Word substitutes another when it is missing).
EAST_ASIAN_FONT = "宋体"
#: East Asian font of headings.
HEADING_FONT = "黑体"
#: Width of a picture on a portrait page (A4 minus 25 mm margins), cm.
PORTRAIT_WIDTH_CM = 16.0
#: Width of a map sheet on a landscape page, cm.
LANDSCAPE_WIDTH_CM = 24.5
#: PNG resolution of embedded figures, dpi.
FIGURE_DPI = 200


def _t(key: str, lang: str, **values) -> str:
    """A report text of ``labels.csv`` (group ``word_report``) in ``lang``, filled in."""
    return text("word_report", key, lang).format(**values)


# -- Markdown from the text renderers ----------------------------------------------------------
@dataclass
class Block:
    """One block of a rendered Markdown report: a heading, a paragraph or a table."""

    kind: str  # "heading", "paragraph" or "table"
    text: str = ""
    level: int = 0
    headers: list[str] | None = None
    rows: list[list[str]] | None = None
    right: list[bool] | None = None


#: The alignment row under a pipe table's header (``|:---|---:|``).
_RULE = re.compile(r"^\s*\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def markdown_blocks(markdown: str) -> list[Block]:
    r"""Split the Markdown of parkmap's text renderers into headings, paragraphs and tables.

    Only what those renderers write is understood: ``#`` headings, pipe tables with an
    alignment row (``---:`` right-aligned), and paragraphs (line breaks kept).

    Examples
    --------
    >>> blocks = markdown_blocks("## T\n| a | b |\n|:--|--:|\n| x | 1 |")
    >>> [b.kind for b in blocks], blocks[1].rows, blocks[1].right
    (['heading', 'table'], [['x', '1']], [False, True])
    """
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            blocks.append(Block("heading", heading.group(2).strip(), len(heading.group(1))))
            i += 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and _RULE.match(lines[i + 1]):
            headers = _cells(line)
            right = [c.endswith(":") and not c.startswith(":") for c in _cells(lines[i + 1])]
            rows = []
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            blocks.append(Block("table", headers=headers, rows=rows, right=right))
            continue
        text = [line]  # a paragraph: this line and the plain lines after it
        i += 1
        while i < len(lines) and lines[i].strip() and not re.match(r"^(#|\|)", lines[i].lstrip()):
            text.append(lines[i].rstrip())
            i += 1
        blocks.append(Block("paragraph", "\n".join(text)))
    return blocks


def _sections(blocks: list[Block], keep: set[str] | None = None) -> list[Block]:
    """The blocks under level-2 headings whose title is in ``keep`` (all when None)."""
    out, on = [], keep is None
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            continue
        if block.kind == "heading" and block.level == 2:
            on = keep is None or block.text in keep
        if on:
            out.append(block)
    return out


# -- the document ----------------------------------------------------------------------------
class _Doc:
    """A python-docx Document with numbered tables and figures."""

    def __init__(self, lang: str) -> None:
        import docx
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.lang = lang
        self.doc = docx.Document()
        self.n_tables = 0
        self.n_figures = 0
        styles = self.doc.styles
        for name, east, size in (
            ("Normal", EAST_ASIAN_FONT, 10.5),
            ("Title", HEADING_FONT, None),
            ("Heading 1", HEADING_FONT, None),
            ("Heading 2", HEADING_FONT, None),
            ("Caption", EAST_ASIAN_FONT, None),
        ):
            style = styles[name]
            if size:
                style.font.size = Pt(size)
            style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level)

    def paragraph(self, text: str, style: str | None = None) -> None:
        self.doc.add_paragraph(text.replace("  \n", "\n").rstrip(), style=style)

    def caption(self, key: str, title: str) -> None:
        if key == "table":
            self.n_tables += 1
            n = self.n_tables
        else:
            self.n_figures += 1
            n = self.n_figures
        self.doc.add_paragraph(_t(key, self.lang, n=n, title=title), style="Caption")

    def table(self, block: Block, title: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.caption("table", title)
        headers, rows, right = block.headers or [], block.rows or [], block.right or []
        table = self.doc.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.doc.styles[TABLE_STYLE]
        header_row = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # repeat the header row on every page
        flag.set(qn("w:val"), "true")
        header_row._tr.get_or_add_trPr().append(flag)
        for r, values in enumerate([headers, *rows]):
            for c, value in enumerate(values[: len(headers)]):
                cell = table.cell(r, c)
                cell.text = value
                paragraph = cell.paragraphs[0]
                if c < len(right) and right[c]:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                for run in paragraph.runs:
                    run.font.size = Pt(9)

    def blocks(self, blocks: list[Block]) -> None:
        title = ""
        for block in blocks:
            if block.kind == "heading":
                title = block.text
                self.heading(block.text, 2)
            elif block.kind == "table":
                self.table(block, title)
            else:
                self.paragraph(block.text)

    def picture(self, fig, title: str, width_cm: float) -> None:
        from docx.shared import Cm

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=_dpi())
        buffer.seek(0)
        self.doc.add_picture(buffer, width=Cm(width_cm))
        self.caption("figure", title)

    def orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        width, height = section.page_width, section.page_height
        if landscape != (width > height):
            section.page_width, section.page_height = height, width
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def _dpi() -> int:
    return FIGURE_DPI  # read at call time (tests lower it)


def _subpark_names(subpark) -> list[str] | None:
    if subpark is None:
        return None
    return [subpark] if isinstance(subpark, str) else list(subpark)


def _layout_section(doc: _Doc, park: Park, layout, names: list[str] | None) -> None:
    lang = doc.lang
    doc.heading(_t("layout", lang), 1)
    if layout is None:
        doc.paragraph(_t("skipped_layout", lang))
        return
    for line in layout.caption(lang).splitlines()[1:]:
        doc.paragraph(line)
    doc.paragraph(
        _t("layout_all", lang)
        if names is None
        else _t("layout_subpark", lang, names=", ".join(names))
    )
    blocks = markdown_blocks(layout.render("markdown", lang))
    keep = {"布局汇总", "按园中园"} if lang == "zh" else {"Summary", "By sub-park"}
    doc.blocks(_sections(blocks, keep))


def _atlas(doc: _Doc, park: Park, availability, layout, names: list[str] | None) -> None:
    from parkmap.figures import figure

    lang = doc.lang
    doc.orientation(landscape=True)
    doc.heading(_t("atlas", lang), 1)
    doc.paragraph(_t("sheet_note", lang, paper="A4", orient=_t("landscape", lang)))
    focus = names[0] if names and len(names) == 1 else None
    sheets = [("landuse", None), ("constraints", None), ("availability", availability)]
    if layout is not None:
        sheets.append(("layout", layout))
    for kind, result in sheets:
        fig = figure(
            park, kind, subpark=focus if kind == "layout" else None, lang=lang, result=result
        )
        doc.picture(fig, fig.parkmap["title"], LANDSCAPE_WIDTH_CM)
    doc.orientation(landscape=False)


def _sources(doc: _Doc, park: Park, availability, layout) -> None:
    lang = doc.lang
    doc.heading(_t("sources", lang), 1)
    doc.paragraph(_t("crs", lang, crs=park.crs.to_string(), name=park.crs.name))
    doc.paragraph(_t("data", lang, src=park.source or park.name))
    for source in park.metadata.get("sources", []):
        title = source.get("title", source.get("id", ""))
        note = source.get("note", "")
        doc.paragraph(f"{title}: {note}" if note else str(title), style="List Bullet")
    if availability is not None:
        doc.paragraph(_t("rules", lang, src=note_text(availability.rules.source, lang)))
    if layout is not None:
        rules = layout.rules
        doc.paragraph(_t("indicators", lang, name=rules.ruleset, edition=rules.code_edition))
    doc.paragraph(_t("styles", lang))


def word_report(
    path: str | os.PathLike,
    park: Park | None = None,
    *,
    lang: str = "zh",
    subpark: str | list[str] | None = None,
    availability=None,
    layout=None,
    figures: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write the Word report of a park.

    Parameters
    ----------
    path : path-like
        The ``.docx`` file to write.
    park : Park, optional
        The park (default: the embedded Dianjiang park).
    lang : {"zh", "en"}, default "zh"
        Language of the headings, tables and figures.
    subpark : str or list of str, optional
        Lay out only these sub-parks (the layout of a whole park takes a minute or
        more); the report says which. The area and availability sections always cover
        the whole park.
    availability : Availability, optional
        The park's availability already computed (default: with the default rules).
    layout : Layout, optional
        A layout already computed (then ``subpark`` only names it in the report).
    figures : bool, default True
        Embed the charts and map figures (matplotlib).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    parkmap.errors.OutputExistsError
        If the file exists and ``overwrite`` is false.
    parkmap.errors.ValidationError
        If the park has validation errors.
    """
    import parkmap

    target = Path(path)
    if target.suffix.lower() != ".docx":
        raise DataFileError(f"{target}: a Word report is written as a .docx file")
    if target.exists() and not overwrite:  # before a minute of computing
        raise OutputExistsError(f"{target}: exists; pass --overwrite to replace it")
    if park is None:
        park = parkmap.datasets.load("dianjiang")
    report = parkmap.area_report(park, with_availability=False)
    if availability is None and any(n in park and len(park[n]) for n in ("clusters", "parcels")):
        availability = parkmap.availability(park)
    names = _subpark_names(subpark)
    if layout is None and "subparks" in park and len(park["subparks"]):
        layout = parkmap.layout(park, availability, subpark=names)

    doc = _Doc(lang)
    name = report.park_name_zh if lang == "zh" else report.park_name_en
    doc.doc.core_properties.title = _t("title", lang, name=name)
    doc.doc.core_properties.author = f"parkmap {package_version()}"
    doc.heading(_t("title", lang, name=name), 0)
    for line in report.caption(lang).splitlines()[1:]:
        doc.paragraph(line)
    today = dt.date.today().isoformat()
    doc.paragraph(_t("made", lang, v=package_version(), date=today))

    doc.heading(_t("areas", lang), 1)
    doc.blocks(_sections(markdown_blocks(report.render("markdown", lang))))

    if availability is not None:
        doc.heading(_t("availability", lang), 1)
        for line in availability.caption(lang).splitlines()[1:]:
            doc.paragraph(line)
        blocks = _sections(markdown_blocks(availability.to_text(lang, "markdown", caption=False)))
        if figures:
            from parkmap.figures import subpark_chart, waterfall_chart

            doc.picture(waterfall_chart(availability, lang=lang), _t("waterfall_chart", lang), 15)
        doc.blocks(blocks)
        if figures:
            doc.picture(subpark_chart(availability, lang=lang), _t("subpark_chart", lang), 15)

    _layout_section(doc, park, layout, names)
    if figures:
        _atlas(doc, park, availability, layout, names)
    _sources(doc, park, availability, layout)
    with atomic_output(target, overwrite=overwrite) as tmp:
        doc.doc.save(str(tmp))
    return target
