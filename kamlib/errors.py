"""Exceptions and warnings raised by kamlib.

Every error a user can cause derives from :class:`KamlibError` and says *what* went wrong, *where*
(file, table, column, parameter) and *how to fix it*. Soft statistical problems (a model that did not
converge, a sample too small for a stable estimate) are warnings, so a report still renders and shows them.
"""
from __future__ import annotations


class KamlibError(Exception):
    """Root of every error kamlib raises on purpose."""


class ParamsError(KamlibError):
    """A params file is missing, unreadable or has invalid keys/values."""


class DataError(KamlibError):
    """Input data cannot be read or violates a hard data contract.

    ``problems`` holds one dict per failed check (table, column, check, rows, examples, fix) so that
    callers such as ``kam validate`` can print or tabulate them.
    """

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class AnalysisError(KamlibError):
    """An analysis cannot be run on the data it was given (e.g. too few customers for any k)."""


class BatchError(KamlibError):
    """A batch run could not be started (bad notebook, bad params) or some of its jobs failed."""


class KamlibWarning(UserWarning):
    """Base class of kamlib warnings; reports collect and display them."""


class DataQualityWarning(KamlibWarning):
    """Rows were excluded or values look suspicious; the data-quality summary counts them."""


class StatisticalWarning(KamlibWarning):
    """A soft statistical problem: small sample, non-convergence, separation, violated assumption."""
