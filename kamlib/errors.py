"""Exceptions and warnings raised by kamlib.

Every error a user can cause derives from :class:`KamlibError` and says *what* went wrong, *where*
(file, table, column, parameter) and *how to fix it*. Soft statistical problems (a model that did not
converge, a sample too small for a stable estimate) are warnings, so a report still renders and shows them.
"""
from __future__ import annotations


class KamlibError(Exception):
    """Root of every error kamlib raises on purpose.

    Like a warning, an error a report shows (an analysis that cannot run on this book) may carry a keyed
    :class:`kamlib.i18n.Message` (``AnalysisError(Message("segmentation.w.too_few", {...}))``): ``str()``
    gives the English text, :attr:`note` the message a report renders in its own language.
    """

    @property
    def note(self):
        """The keyed message when the error carries one, else its text."""
        arg = self.args[0] if self.args else ""
        return arg if hasattr(arg, "render") else str(self)

    def __str__(self) -> str:
        arg = self.args[0] if self.args else ""
        return arg.render("en") if hasattr(arg, "render") else super().__str__()


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
    """Base class of kamlib warnings; reports collect and display them.

    A warning may carry a keyed :class:`kamlib.i18n.Message` as its argument
    (``warnings.warn(StatisticalWarning(Message("clv.w.corr", {"r": 0.58})))``): ``str()`` gives the English
    text (logs, stderr), and :attr:`note` the message a report renders in its own language.
    """

    @property
    def note(self):
        """The keyed message when the warning carries one, else its text."""
        arg = self.args[0] if self.args else ""
        return arg if hasattr(arg, "render") else str(arg)

    def __str__(self) -> str:
        arg = self.args[0] if self.args else ""
        return arg.render("en") if hasattr(arg, "render") else super().__str__()


class DataQualityWarning(KamlibWarning):
    """Rows were excluded or values look suspicious; the data-quality summary counts them."""


class StatisticalWarning(KamlibWarning):
    """A soft statistical problem: small sample, non-convergence, separation, violated assumption."""
