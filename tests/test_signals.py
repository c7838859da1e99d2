"""SIGTERM and SIGHUP clean up partial outputs, as Ctrl-C does."""

import signal
import subprocess
import sys
import textwrap

import pytest

from parkmap.cli.signals import Stopped, stop_on_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# A child that starts writing a GeoPackage through atomic_output, says where, and waits
# to be stopped mid-write.
CHILD = textwrap.dedent(
    """
    import sys, time
    import geopandas as gpd, shapely
    from parkmap import io
    from parkmap.cli.signals import Stopped, stop_on_signals

    out = sys.argv[1]
    try:
        with stop_on_signals(), io.atomic_output(out) as tmp:
            gdf = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4545)
            gdf.to_file(tmp, driver="GPKG", layer="park")
            print(tmp, flush=True)
            time.sleep(60)
    except Stopped as stop:
        print(stop.name, flush=True)
        sys.exit(stop.exit_code)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_mid_write_removes_the_partial_file(tmp_path, signum):
    out = tmp_path / "park.gpkg"
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out)], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            partial = child.stdout.readline().strip()
            assert ".park." in partial and partial.endswith(".part.gpkg")
            assert any(p.name.startswith(".park.") for p in tmp_path.iterdir())
            child.send_signal(signum)
            rest, _ = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 128 + signum
    assert rest.strip() == signal.Signals(signum).name
    assert list(tmp_path.iterdir()) == []  # no .part.gpkg, no -journal, no output


def test_handlers_are_restored():
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_stopped_is_not_an_exception():
    # `except Exception` in library code must not swallow a stop request
    assert not issubclass(Stopped, Exception)
    assert Stopped(signal.SIGTERM).exit_code == 143


# The real command: `parkmap import` writing its GeoPackage, held after its first layer.
CLI_CHILD = textwrap.dedent(
    """
    import sys, time
    import pyogrio
    from parkmap.cli import main

    original = pyogrio.write_dataframe

    def slow(*args, **kwargs):
        original(*args, **kwargs)
        print("writing", flush=True)
        time.sleep(60)

    pyogrio.write_dataframe = slow
    sys.argv = ["parkmap", "import", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_parkmap_import_stopped_mid_write(tmp_path, signum):
    from bureau_data import write_dltb_shapefile

    source = write_dltb_shapefile(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [str(source), "-o", str(out_dir / "park.gpkg")]
    with subprocess.Popen(
        [sys.executable, "-c", CLI_CHILD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout.readline().strip() == "writing"
            assert [p.name for p in out_dir.iterdir() if ".part." in p.name]
            child.send_signal(signum)
            _, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 128 + signum
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert list(out_dir.iterdir()) == []
