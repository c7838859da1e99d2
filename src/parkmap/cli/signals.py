"""Stop cleanly on SIGTERM and SIGHUP, as on Ctrl-C.

A killed job (SIGTERM) or a closed terminal (SIGHUP) ends a Python process without
running its ``finally`` blocks, so a command stopped mid-write leaves its hidden
``.NAME.*.part.gpkg`` and ``-journal`` files behind. :func:`stop_on_signals` turns
those signals into :class:`Stopped`, an exception that, like ``KeyboardInterrupt``,
derives from ``BaseException``: ``except Exception`` does not swallow it and every
``finally`` block (the clean-up of :func:`parkmap.io.atomic_output`) runs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["Stopped", "stop_on_signals"]

#: The signals handled: SIGTERM (kill, job control) and SIGHUP (terminal closed).
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(BaseException):
    """The process received a signal asking it to stop.

    Attributes
    ----------
    signum : int
        The signal number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """``"SIGTERM"`` or ``"SIGHUP"``."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum


def _raise(signum: int, frame) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise :class:`Stopped` on SIGTERM and SIGHUP while the block runs.

    Signal handlers can only be installed from the main thread; elsewhere the block
    runs unchanged. The previous handlers are restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
