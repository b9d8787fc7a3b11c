"""kamlib: Key Account Management analytics (customer value, segmentation, churn survival, satisfaction).

Computation lives in domain modules that take DataFrames and return DataFrames or frozen result objects:
:mod:`kamlib.value`, :mod:`kamlib.segmentation`, :mod:`kamlib.survival`, :mod:`kamlib.satisfaction`.
Data comes in through :mod:`kamlib.io` (read, map, validate once) as a :class:`kamlib.ledger.Ledger`;
figures come from :mod:`kamlib.plotting`; reports and batch runs from :mod:`kamlib.report` and
:mod:`kamlib.batch`.
"""
from .errors import (
    AnalysisError,
    BatchError,
    DataError,
    DataQualityWarning,
    KamlibError,
    KamlibWarning,
    ParamsError,
    StatisticalWarning,
)

__version__ = "0.1.0"

__all__ = ["__version__", "KamlibError", "ParamsError", "DataError", "AnalysisError", "BatchError",
           "KamlibWarning", "DataQualityWarning", "StatisticalWarning"]
