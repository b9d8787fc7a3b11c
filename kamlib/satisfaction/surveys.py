"""The surveys table: checks, construct items, waves and the satisfaction settings."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from ..errors import DataError, KamlibError


def _settings(settings):
    """A SatisfactionSection: ``settings`` itself, or the defaults when None."""
    if settings is None:
        from ..params import SatisfactionSection

        settings = SatisfactionSection()
    return settings


#: the options the compute functions read, as in ``params.satisfaction``
_OPTION_NAMES = ("constructs", "overall", "nps", "aggregate", "missing", "ci", "min_n", "correction", "group_by")

def _options(where: str, settings=None, **given):
    """The satisfaction options of one call: explicit keywords over the deprecated ``settings`` object over
    the ``params.satisfaction`` defaults, validated like a params file."""
    from pydantic import ValidationError

    from ..params import SatisfactionSection

    if settings is not None:
        warnings.warn(f"satisfaction.{where}: passing a settings object is deprecated and will be removed in the "
                      f"next release; pass the options as keywords instead (e.g. {where}(surveys, "
                      "constructs=st.constructs, min_n=st.min_n)).", DeprecationWarning, stacklevel=3)
        base = {k: getattr(settings, k) for k in _OPTION_NAMES if hasattr(settings, k)}
    else:
        base = {}
    explicit = {k: v for k, v in given.items() if v is not None}
    if not explicit:
        return settings if settings is not None else SatisfactionSection()
    try:
        return SatisfactionSection(**{**base, **explicit})
    except ValidationError as e:
        bad = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
        raise KamlibError(f"satisfaction.{where}: invalid option ({bad})") from None


def _check_surveys(surveys: pd.DataFrame, where: str) -> None:
    if not isinstance(surveys, pd.DataFrame):
        raise DataError(f"{where}: expected the surveys table as a DataFrame, got {type(surveys).__name__}")
    if "customer_id" not in surveys.columns:
        raise DataError(f"{where}: the surveys table has no 'customer_id' column; map the account column onto "
                        "customer_id in the params file (columns: surveys: {your column: customer_id}).")


def _item_columns(surveys: pd.DataFrame, constructs: dict[str, list[str]], where: str) -> dict[str, list[str]]:
    """Constructs restricted to items present in ``surveys``; a wholly absent construct is an error."""
    out = {}
    for name, items in constructs.items():
        missing = [i for i in items if i not in surveys.columns]
        if missing:
            raise DataError(f"{where}: construct {name!r} names item column(s) {missing} that are not in the "
                            f"surveys table (columns: {list(surveys.columns)}). Fix satisfaction.constructs in "
                            "the params file or the surveys column mapping.")
        out[name] = list(items)
    return out


def _waves(surveys: pd.DataFrame) -> pd.Series:
    """The wave label of each response; derived from the survey date's year-half when absent."""
    if "wave" in surveys.columns and surveys["wave"].notna().any():
        w = surveys["wave"].astype("string")
        if w.isna().any() and "survey_date" in surveys.columns:
            d = pd.to_datetime(surveys["survey_date"])
            w = w.fillna(d.dt.year.astype("string") + "H" + ((d.dt.month > 6) + 1).astype("string"))
        return w
    if "survey_date" in surveys.columns:
        d = pd.to_datetime(surveys["survey_date"])
        return (d.dt.year.astype("Int64").astype("string") + "H"
                + ((d.dt.month > 6).astype("Int64") + 1).astype("string"))
    return pd.Series(pd.NA, index=surveys.index, dtype="string")


def _prepare(surveys: pd.DataFrame, where: str, wave=None) -> pd.DataFrame:
    _check_surveys(surveys, where)
    s = surveys.copy()
    s["customer_id"] = s["customer_id"].astype("string")
    s["_wave"] = _waves(s)
    if wave is not None:
        if wave == "latest":
            wave = _sorted_waves(s["_wave"])[-1] if s["_wave"].notna().any() else None
        s = s[s["_wave"] == wave]
    return s


def wave_labels(surveys: pd.DataFrame) -> pd.Series:
    """Wave label of each response (the ``wave`` column, else the survey date's year-half, e.g. 2025H2).

    Parameters
    ----------
    surveys : DataFrame

    Returns
    -------
    Series of string
        Aligned with ``surveys``; missing when neither a wave nor a survey date is known.

    Examples
    --------
    >>> import pandas as pd
    >>> wave_labels(pd.DataFrame({"survey_date": pd.to_datetime(["2025-03-01", "2025-10-15"])})).tolist()
    ['2025H1', '2025H2']
    """
    return _waves(surveys)


def _sorted_waves(w: pd.Series) -> list[str]:
    return sorted(str(v) for v in w.dropna().unique())


def resolve_settings(settings, surveys: pd.DataFrame | None, survey_items: Sequence[str] = ()):
    """``settings`` with constructs filled in when the params file names none.

    Without ``satisfaction.constructs`` every Likert item column of the ledger (``ledger.survey_items``, or
    the survey columns that are neither canonical nor ``overall``/``nps``) becomes its own one-item
    construct, so the item analyses still run; reliability then has nothing to measure and says so.

    Parameters
    ----------
    settings : SatisfactionSection or None
        ``params.satisfaction`` (None: the defaults).
    surveys : DataFrame or None
        The surveys table.
    survey_items : sequence of str, default ()
        The ledger's Likert item columns (``ledger.survey_items``).

    Returns
    -------
    SatisfactionSection
    """
    st = _settings(settings)
    if st.constructs or surveys is None:
        return st
    from ..ledger import SURVEYS

    items = [c for c in survey_items if c in surveys.columns] or [
        c for c in surveys.columns if c not in SURVEYS.names and c not in (st.overall, st.nps)
        and c != "_wave" and pd.api.types.is_numeric_dtype(surveys[c])]
    return st.model_copy(update={"constructs": {c: [c] for c in items}})


def item_list(constructs) -> list[str]:
    """Every Likert item named in the constructs, in order, without repeats.

    Parameters
    ----------
    constructs : dict of str to list of str, or SatisfactionSection
        Construct name -> its item columns (``params.satisfaction.constructs``), or the section holding them.

    Returns
    -------
    list of str

    Examples
    --------
    >>> item_list({"product": ["q_quality", "q_reliability"], "overall_value": ["q_reliability", "q_price"]})
    ['q_quality', 'q_reliability', 'q_price']
    """
    if not isinstance(constructs, Mapping):
        constructs = _settings(constructs).constructs
    return list(dict.fromkeys(i for items in constructs.values() for i in items))


def latest_wave(surveys: pd.DataFrame | None) -> str | None:
    """The last survey wave label (waves derived from the survey date when the column is absent).

    Parameters
    ----------
    surveys : DataFrame or None

    Returns
    -------
    str or None
        None without surveys.

    Examples
    --------
    >>> import pandas as pd
    >>> latest_wave(pd.DataFrame({"wave": ["2024H2", "2025H2", "2024H2"]}))
    '2025H2'
    """
    if surveys is None or not len(surveys):
        return None
    w = _sorted_waves(_waves(surveys))
    return w[-1] if w else None

