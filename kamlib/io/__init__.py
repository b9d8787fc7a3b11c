"""Reading the ledger: files → column mapping → canonical dtypes → contracts → soft rules.

:func:`load_ledger` turns the tables named in a params file's ``data:`` section into a validated
:class:`~kamlib.ledger.Ledger`:

1. **Read** each file once (:mod:`.files`): CSV through DuckDB (encoding detected among UTF-8, UTF-8 with
   BOM and GB18030/GBK, or ``data.encoding``; other encodings are transcoded), Parquet through DuckDB,
   Excel (.xlsx) through calamine (openpyxl as fallback), sheet ``data.sheet``.
2. **Map** the export's column names onto the canonical ones with ``columns:`` (table → {source: canonical}),
   e.g. ``客户编号: customer_id`` (:mod:`.mapping`).
3. **Type** every canonical column in one vectorised DuckDB query (:mod:`.typed`): ids stay strings ("007"
   stays "007"; a float-looking id like 17850.0 from Excel becomes "17850"), amounts become float64
   (thousands separators, ¥/$ signs allowed), text dates are parsed (ISO, 2024/3/5, 20240305, 2024年3月5日,
   3/5/2024, or ``data.date_format``), Likert word labels (非常满意 ... 非常不满意) become 1-5 scores.
4. **Derive** revenue = quantity × unit_price when absent, gross_profit = revenue − cost, the survey wave,
   and the ``customers`` table from the order lines when it is absent (:mod:`.load`).
5. **Exclude** rows hit by the documented soft rules and count them (:mod:`kamlib.validation`), then check
   the hard contracts: the small tables in pandas (:mod:`.read`, pandera, lazy), orders and invoices inside
   the DuckDB scan (:mod:`.scan`). Every hard problem of every table is reported at once in one
   :class:`~kamlib.errors.DataError`.

Row numbers in messages are as in the file: the header is row 1, the first data row is row 2.
``kam validate`` (printing the data-quality summary) lives in :mod:`kamlib.cli_validate`.
"""
from __future__ import annotations

from .files import AUTO_ENCODINGS, CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES, SUPPORTED_SUFFIXES, sniff_encoding
from .load import IO_VERSION, filter_ledger, ledger_key, load_full_ledger, load_ledger, period_cutoff
from .read import read_table
from .scan import GRAINS

__all__ = ["load_ledger", "load_full_ledger", "filter_ledger", "ledger_key", "read_table", "period_cutoff",
           "sniff_encoding", "GRAINS", "IO_VERSION", "SUPPORTED_SUFFIXES", "CSV_SUFFIXES", "PARQUET_SUFFIXES",
           "EXCEL_SUFFIXES", "AUTO_ENCODINGS"]
