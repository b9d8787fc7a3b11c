"""Renamed public functions keep their old name for one release, as a thin alias that warns."""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed(new: F, old_name: str) -> F:
    """``new`` under its former name ``old_name``, raising a DeprecationWarning that names the new one.

    Parameters
    ----------
    new : callable
        The function under its current name (its module's package names it in the warning).
    old_name : str
        The former public name, given to the alias.

    Returns
    -------
    callable
        A wrapper with the signature of ``new`` that warns, then calls ``new``.
    """
    package = new.__module__.rsplit(".", 1)[0]
    qual = f"{package}.{new.__name__}"

    @functools.wraps(new)
    def alias(*args, **kwargs):
        warnings.warn(f"{package}.{old_name} is deprecated and will be removed in the next release; use {qual}",
                      DeprecationWarning, stacklevel=2)
        return new(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    alias.__doc__ = f"Deprecated alias of :func:`{qual}`."
    return alias  # type: ignore[return-value]  # same call signature as ``new``
