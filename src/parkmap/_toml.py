"""TOML settings files: reading one and checking its values.

The availability rules (:mod:`parkmap.land.rules`) and the scenario files
(:mod:`parkmap.scenarios.spec`) read and check TOML the same way; this module is the one
home of those checks, so a message reads the same whichever file it is about. Every error
is a :class:`parkmap.errors.RulesError` with one line naming the file and the key.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from parkmap.errors import RulesError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["is_number", "read_toml", "text_list"]


def read_toml(path: Path, what: str = "rules") -> dict:
    """The parsed TOML document at ``path``.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    what : str, default "rules"
        What the file is, as named when it is missing ("no such rules file").

    Raises
    ------
    parkmap.errors.RulesError
        If the file is missing, unreadable or not valid TOML.
    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise RulesError(f"{path}: no such {what} file") from None
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{path}: not valid TOML ({err})") from None
    except OSError as err:
        raise RulesError(f"{path}: cannot read ({err.strerror})") from None


def is_number(value) -> bool:
    """Whether a TOML value is a finite number >= 0 (``true``/``false`` are not numbers).

    Examples
    --------
    >>> is_number(2), is_number(0.5), is_number(-1), is_number(True), is_number("3")
    (True, True, False, False, False)
    """
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def text_list(
    source: str, key: str, value, allowed: tuple[str, ...], *, unique: bool = True
) -> tuple[str, ...]:
    """A TOML list of text values, each one of ``allowed``.

    Parameters
    ----------
    source : str
        The file, as named in messages.
    key : str
        The dotted key, as named in messages.
    value : object
        The value read.
    allowed : tuple of str
        The values the list may hold.
    unique : bool, default True
        Refuse a value listed twice.

    Raises
    ------
    parkmap.errors.RulesError
        If ``value`` is not a list of text, holds a value not allowed, or (``unique``)
        a value twice.

    Examples
    --------
    >>> text_list("a.toml", "roads.statuses", ["built"], ("built", "planned"))
    ('built',)
    """
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{source}: {key}: expected a list of text values, got {value!r}")
    for item in value:
        if item not in allowed:
            raise RulesError(f"{source}: {key}: {item!r} is not one of {', '.join(allowed)}")
    if unique and len(set(value)) != len(value):
        raise RulesError(f"{source}: {key}: a value is listed twice")
    return tuple(value)
