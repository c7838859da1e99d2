"""``parkmap layout``: plots, branch roads and factories, with the indicator checks."""

from __future__ import annotations

import click

import parkmap
from parkmap.cli.options import (
    check_gpkg,
    check_outputs,
    data_option,
    format_option,
    lang_option,
    load_park,
    overwrite_option,
)
from parkmap.tables import TEXT_FORMATS

__all__ = ["TemplateOption", "layout"]


class TemplateOption(click.Option):
    """``--template``, whose help lists the factory templates, read only when help is shown."""

    def get_help_record(self, ctx: click.Context):
        """The help line, with ``{templates}`` filled in from the building templates."""
        names = parkmap.building_templates().query("role == 'factory'").index
        record = super().get_help_record(ctx)
        if record is None:
            return None
        return record[0], record[1].replace("{templates}", ", ".join(names))


@click.command("layout")
@data_option
@click.option(
    "--subpark",
    "subparks",
    multiple=True,
    help="Sub-park id or name to lay out (repeatable) [default: every sub-park].",
)
@click.option(
    "--plot-mu", type=click.FloatRange(min=0, min_open=True), help="Target plot size, 亩."
)
@click.option(
    "--template",
    "templates",
    multiple=True,
    cls=TemplateOption,
    help="Factory template (repeatable, packed in order) [default: multi_storey_factory]; "
    "one of: {templates}.",
)
@click.option(
    "--rules",
    help="Control indicators: cn_gy_2008 (default; superseded), cn_gy_2023 (current; "
    "values not verified, so nothing is checked) or a CSV of local ones.",
)
@click.option(
    "--profile",
    help="Local planning rules: cq318 (渝府令第318号; the default for Dianjiang) or "
    "cq_alt_110ask [default: the park's own].",
)
@click.option("--no-office", is_flag=True, help="Do not place office blocks.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the layers plots, buildings, layout_roads (and fire_lanes) to this GeoPackage.",
)
@format_option(TEXT_FORMATS, help="Format of the indicator report on stdout.")
@lang_option(default="en")
@overwrite_option
@click.option(
    "--map",
    "map_output",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained (offline) web map of the layout to this HTML file.",
)
def layout(
    data,
    subparks,
    plot_mu,
    templates,
    rules,
    profile,
    no_office,
    output,
    fmt,
    lang,
    overwrite,
    map_output,
):
    """Lay out plots, branch roads and standard factories; check the control indicators.

    Plots front a road (branch roads are inserted in deep blocks), buildings keep the
    local road and plot-edge setbacks (渝府令318号 for Dianjiang), the GB 50016 fire
    spacing of their classes and fire lanes where GB 55037 asks, and every plot is
    checked for FAR (storeys over 8 m count twice), building coverage, admin share and
    green ratio. The report names the standards used and their confidence.

    \b
    Examples:
      parkmap layout --subpark sp-valve-chengxi
      parkmap layout --subpark sp-valve-chengxi --plot-mu 50 --template portal_shed \\
          -o layout.gpkg --format json > layout.json
      parkmap layout --subpark sp-auto --map auto_layout.html --lang zh
      parkmap layout --subpark sp-valve-chengxi --rules cn_gy_2023 --profile cq_alt_110ask
    """
    check_gpkg(output, "layout")
    check_outputs(output, map_output, overwrite=overwrite)  # fail before the work
    from parkmap.siteplan import check_layout

    park = load_park(data)
    check_layout(park, subpark=list(subparks) or None)  # sub-parks, before the waterfall
    available = parkmap.availability(park)
    check_layout(park, available, subpark=list(subparks) or None)  # and available land
    result = parkmap.layout(
        park,
        available,
        subpark=list(subparks) or None,
        plot=plot_mu,
        building=list(templates) or None,
        rules=rules,
        office=not no_office,
        profile=profile,
    )
    if output is not None:
        result.save(output, overwrite=overwrite)
        click.echo(
            f"wrote {output} ({len(result.plots)} plots, {len(result.buildings)} buildings, "
            f"{len(result.roads)} branch roads)",
            err=True,
        )
    if map_output is not None:
        m = parkmap.webmap(park, available, result, offline=True, lang=lang)
        path = parkmap.save_map(m, map_output, overwrite=overwrite)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, offline)", err=True)
    click.echo(result.render(fmt, lang), nl=False)
