"""``parkmap map``: an interactive web map (HTML) of a park."""

from __future__ import annotations

from pathlib import Path

import click

import parkmap
from parkmap.cli.options import (
    check_output,
    data_option,
    lang_option,
    load_park,
    overwrite_option,
)

__all__ = ["map_"]


@click.command("map")
@data_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Output HTML file [default: <park>_map.html in the current folder].",
)
@click.option(
    "--basemap",
    default="osm",
    show_default=True,
    metavar="osm|tianditu|amap|none|URL",
    help="Background tiles; URL is a tile template with {z}/{x}/{y} (intranet server). "
    "amap shifts the features to GCJ-02 to match its tiles.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="One self-contained file: Leaflet and every script and style inlined, no network.",
)
@lang_option(default="zh", help="Language of the map's interface.")
@click.option(
    "--tianditu-key",
    metavar="KEY",
    help="Tianditu browser key [default: the TIANDITU_KEY environment variable].",
)
@click.option(
    "--simplify-m",
    type=click.FloatRange(min=0),
    default=None,
    help="Display simplification tolerance in metres [default: 1; 0 = none]. "
    "Areas always use the full geometry.",
)
@click.option(
    "--availability",
    "with_availability",
    is_flag=True,
    help="Also compute the available land and draw it (layer and panel by sub-park).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the map in a web browser.")
@overwrite_option
def map_(
    data,
    output,
    basemap,
    offline,
    lang,
    tianditu_key,
    simplify_m,
    with_availability,
    open_browser,
    overwrite,
):
    """Write an interactive web map (HTML) of the park: layers, legend, area panel.

    Without arguments it writes dianjiang_map.html (the embedded park) in the
    current folder. Send the file to anyone; with --offline it works with no
    internet at all (tiles aside: then the background is plain).

    \b
    Examples:
      parkmap map
      parkmap map --offline --basemap none -o dianjiang_offline.html
      parkmap map --availability -o dianjiang_available.html
      parkmap map --basemap amap --lang en -o dianjiang_amap.html
      parkmap map --basemap "http://tiles.intranet/{z}/{x}/{y}.png" --offline
    """
    if output is None:
        output = "dianjiang_map.html" if data is None else f"{Path(data).stem}_map.html"
    check_output(output, overwrite)  # fail before the work
    park = load_park(data)
    m = parkmap.webmap(
        park,
        parkmap.availability(park) if with_availability else None,
        basemap=basemap,
        offline=offline,
        lang=lang,
        tianditu_key=tianditu_key,
        simplify_m=simplify_m,
    )
    path = parkmap.save_map(m, output, overwrite=overwrite)
    size_mb = path.stat().st_size / 1e6
    mode = "offline, self-contained" if offline else "online: loads Leaflet from a CDN"
    click.echo(
        f"wrote {path} ({size_mb:.2f} MB, {mode}, basemap {m.parkmap_info['basemap']})", err=True
    )
    if open_browser:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
