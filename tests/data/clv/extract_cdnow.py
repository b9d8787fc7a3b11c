"""Where the CDNOW files in this folder come from (run by hand; the tests only read the copies).

The CDNOW data set (Fader & Hardie, brucehardie.com/datasets/, public for research and teaching) ships inside
the MIT-licensed ``lifetimes`` package (github.com/CamDavidsonPilon/lifetimes, version 0.11.3 on PyPI):

    pip download --no-deps lifetimes==0.11.3 -d /tmp/lt
    python extract_cdnow.py /tmp/lt/Lifetimes-0.11.3-py3-none-any.whl

It copies two files out of the wheel:
- ``lifetimes/datasets/CDNOW_sample.txt`` -> ``CDNOW_sample.txt``: the 1/10 sample cohort's transactions
  (master id, sample id 1-2357, date YYYYMMDD, CDs bought, dollar value), 1997-01-01 .. 1998-06-30.
- ``lifetimes/datasets/cdnow_customers_summary_with_transactions.csv`` -> ``cdnow_summary.csv``: the
  39-week calibration summary of those customers as published by Fader & Hardie (ID, x, t_x, T in weeks,
  zbar = mean repeat spend).
kamlib does not depend on lifetimes.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {"lifetimes/datasets/CDNOW_sample.txt": "CDNOW_sample.txt",
         "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv": "cdnow_summary.csv"}

if __name__ == "__main__":
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        for member, target in FILES.items():
            (HERE / target).write_bytes(wheel.read(member))
            print("wrote", HERE / target)
