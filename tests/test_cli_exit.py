"""The console script ends without the interpreter's teardown, losing nothing.

``parkmap.cli.main`` runs the exit handlers, flushes the standard streams and ends the
process at once (``os._exit``) when no other thread is alive; otherwise it exits as
usual. Each case runs the real entry point in a fresh interpreter whose stdout is a
block-buffered pipe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

# A child that registers an exit handler and an object freed only at teardown, then
# runs `parkmap ARGS`; with `--thread`, a non-daemon thread is still sleeping then.
CHILD = textwrap.dedent(
    """
    import atexit, builtins, sys, threading, time
    from pathlib import Path

    folder = Path(sys.argv[1])
    atexit.register(lambda: (folder / "atexit").write_text("ran"))

    class Probe:
        def __del__(self):
            (folder / "teardown").write_text("ran")

    builtins._parkmap_probe = Probe()
    args = sys.argv[2:]
    if args[0] == "--thread":
        args = args[1:]
        threading.Thread(
            target=lambda: (time.sleep(0.3), (folder / "thread").write_text("done"))
        ).start()
    sys.argv = ["parkmap", *args]
    from parkmap.cli import main

    main()
    """
)


def _run(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_success_keeps_output_and_exit_handlers(tmp_path):
    done = _run(tmp_path, "report", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole buffered output arrived
    assert len(done.stdout) > 8192  # more than one pipe buffer
    assert report["tables"]
    assert (tmp_path / "atexit").read_text() == "ran"
    # the interpreter's teardown was skipped: the module-level object was never freed
    assert not (tmp_path / "teardown").exists()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["report", "--data", "no-such-park.gpkg"], 1),  # parkmap's one-line error
        (["report", "--no-such-option"], 2),  # usage errors (click)
        (["no-such-command"], 2),
    ],
)
def test_error_status_and_message_unchanged(tmp_path, args, status):
    done = _run(tmp_path, *args)
    assert done.returncode == status
    assert "Error" in done.stderr or "error" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "atexit").read_text() == "ran"


def test_user_error_exits_1(tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a GeoPackage")
    done = _run(tmp_path, "report", "--data", str(bad))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr


def test_a_live_thread_takes_the_normal_exit(tmp_path):
    done = _run(tmp_path, "--thread", "--version")
    assert done.returncode == 0, done.stderr
    assert "parkmap" in done.stdout
    assert (tmp_path / "thread").read_text() == "done"  # waited for, as Python does
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "teardown").read_text() == "ran"
