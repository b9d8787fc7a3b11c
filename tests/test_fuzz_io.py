"""Unreadable and damaged files: whatever bytes a table file holds, loading it ends in a DataError naming
the file (never another exception), and `kam validate` reports it, exits 1 and still checks the other
params files. Seeded and small, so it runs in seconds."""
from __future__ import annotations

import io as _io
import json
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kamlib import io
from kamlib.cli import main as kam
from kamlib.errors import DataError, KamlibError
from kamlib.params import load_params

COLUMNS = {"orders": {"单号": "order_id", "客户": "customer_id", "日期": "order_date", "金额": "revenue"}}
ROWS = [["单号", "客户", "日期", "金额"], ["A1", "C1", "2024-01-05", 100.0], ["A2", "C2", "2024-02-05", 50.5],
        ["A3", "C1", "2024-03-05", 20.0]]


def _xlsx_bytes(rows=ROWS, empty=False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if not empty:
        for r in rows:
            ws.append(r)
    buf = _io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _params(folder: Path, data_file: Path, name: str) -> Path:
    p = folder / name
    p.write_text(json.dumps({"region": p.stem, "language": "en", "as_of": "2024-12-31",
                             "data": {"orders": str(data_file)}, "columns": COLUMNS}, ensure_ascii=False),
                 encoding="utf-8")
    return p


def _cases() -> list[tuple[str, bytes]]:
    rng = random.Random(20)
    good = _xlsx_bytes()
    csv = "\n".join(",".join(map(str, r)) for r in ROWS).encode("utf-8")
    cases = [(f"random{i}{ext}", rng.randbytes(n)) for i, (ext, n) in
             enumerate([(".xlsx", 10), (".xlsx", 5000), (".xls", 3000), (".csv", 4000), (".parquet", 2000),
                        (".xlsm", 1), (".tsv", 700)])]
    cases += [(f"truncated{k}.xlsx", good[:int(len(good) * f)]) for k, f in enumerate((0.02, 0.3, 0.6, 0.95))]
    cases += [(f"zip_header{k}.xlsx", b"PK\x03\x04" + rng.randbytes(200)) for k in range(2)]
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    cases += [("plain_zip.xlsx", buf.getvalue()), ("csv_named.xlsx", csv), ("csv_named_old.xls", csv),
              ("html_named.xls", b"<html><table><tr><td>1</td></tr></table></html>"),
              ("ole_named.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)),
              ("ole_old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(2000)),
              ("xlsx_named.csv", good), ("xlsx_named.parquet", good),
              ("empty_sheet.xlsx", _xlsx_bytes(empty=True)),
              ("no_header.xlsx", _xlsx_bytes(ROWS[1:])),
              ("header_only.xlsx", _xlsx_bytes(ROWS[:1])),
              ("header_only.csv", csv.split(b"\n")[0]),
              ("nul_bytes.csv", b"\x00" * 300),
              ("one_byte.csv", b"\n")]
    return cases


def test_damaged_files_end_in_a_data_error_naming_the_file(tmp_path):
    for name, blob in _cases():
        f = tmp_path / name
        f.write_bytes(blob)
        params = load_params(_params(tmp_path, f, f"{f.stem}.yaml"))
        with pytest.raises(KamlibError) as ei:
            io.load_full_ledger(params, grain="day")
        assert isinstance(ei.value, DataError), (name, type(ei.value))
        assert name in str(ei.value), (name, str(ei.value))
        assert "Traceback" not in str(ei.value)


@pytest.mark.parametrize("name, says", [
    ("csv_named.xlsx", "rename it to .csv"),
    ("plain_zip.xlsx", "zip archive that is not an Excel workbook"),
    ("truncated1.xlsx", "damaged or truncated"),
    ("ole_named.xlsx", "Excel 97-2003"),
    ("ole_old.xls", "save it as .xlsx"),
])
def test_unreadable_workbooks_say_what_the_file_seems_to_be(tmp_path, name, says):
    blob = dict(_cases())[name]
    f = tmp_path / name
    f.write_bytes(blob)
    with pytest.raises(DataError) as ei:
        io.load_full_ledger(load_params(_params(tmp_path, f, "p.yaml")), grain="day")
    assert says in str(ei.value), str(ei.value)


def test_kam_validate_reports_every_file_and_goes_on(tmp_path, capsys):
    files = []
    for name, blob in _cases()[:6] + [("csv_named.xlsx", dict(_cases())["csv_named.xlsx"])]:
        f = tmp_path / name
        f.write_bytes(blob)
        files.append((name, _params(tmp_path, f, f"{Path(name).stem}.yaml")))
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx_bytes())
    files.append(("good.xlsx", _params(tmp_path, good, "zz_good.yaml")))
    rc = kam(["validate", *[str(p) for _, p in files]])
    out = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out.out + out.err
    for name, _ in files:
        assert name in out.out, name
    assert f"1 of {len(files)} params file(s) valid" in out.out
