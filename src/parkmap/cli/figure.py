"""``parkmap figure``: a map sheet for a report, as PNG, SVG or PDF."""

from __future__ import annotations

import click

from parkmap.cli.options import check_output, data_option, lang_option, load_park, overwrite_option

__all__ = ["figure"]

#: Figure kinds offered on the command line (``parkmap.figures.KINDS``; listed here so
#: that ``parkmap --help`` does not import matplotlib).
KINDS = ("landuse", "availability", "layout", "constraints", "allocation")


@click.command("figure")
@data_option
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="landuse",
    show_default=True,
    help="What the map shows.",
)
@click.option("--subpark", help="Centre and scale the sheet on this sub-park (id or name).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="The file to write: .png, .svg or .pdf.",
)
@click.option(
    "--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True, help="Paper size."
)
@click.option(
    "--orientation",
    type=click.Choice(["landscape", "portrait"]),
    default="landscape",
    show_default=True,
)
@click.option(
    "--dpi",
    type=click.IntRange(min=30, max=1200),
    default=200,
    show_default=True,
    help="Resolution of a PNG.",
)
@lang_option(default="zh", help="Language of the title, legend and notes.")
@click.option("--title", help="Title [default: park name and kind].")
@overwrite_option
def figure(data, kind, subpark, output, paper, orientation, dpi, lang, title, overwrite) -> None:
    """Map figure for a report: legend, north arrow, scale bar, nominal scale 1:N, CRS, source.

    The scale snaps to a standard scale at which the park (or the sub-park) fits the
    sheet; it holds when the sheet is printed at 100 % on the chosen paper. Colours are
    the web map's (the 2023 land/sea-use classification). The layout kind lays out the
    sub-park given (or the whole park, which takes a minute or more).

    \b
    Examples:
      parkmap figure --kind landuse -o landuse.pdf
      parkmap figure --kind layout --subpark sp-prefab -o layout.png
      parkmap figure --kind availability --lang en --paper A3 -o availability.pdf
    """
    check_output(output, overwrite)
    from parkmap.figures import figure as make_figure
    from parkmap.figures import save_figure

    park = load_park(data)
    fig = make_figure(
        park,
        kind,
        subpark=subpark,
        paper=paper,
        orientation=orientation,
        lang=lang,
        title=title,
    )
    save_figure(fig, output, dpi=dpi, overwrite=overwrite)
    click.echo(f"wrote {output} (1:{fig.parkmap['scale']:,} on {paper} {orientation})", err=True)
