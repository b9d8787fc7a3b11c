"""``kam run``: checks before any kernel starts, fault isolation, index, resume, Dask, safety, language.

Fast tests check notebooks/params/fingerprints without kernels. Slow tests run the tiny notebooks in
``tests/data/batch`` (see make_notebooks.py there) for two regions (east in Chinese, west in English) plus an
invalid params file; the end-to-end test runs the real workbook on the small demo ledger.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from kamlib import batch, cli, report
from kamlib.batch import jobs as batch_jobs
from kamlib.batch import kernels as batch_kernels
from kamlib.batch.common import state_dir
from kamlib.errors import BatchError, ParamsError
from kamlib.params import load_params

DATA = Path(__file__).parent / "data" / "batch"
HELLO, FAILS, WORKBOOK = DATA / "hello.ipynb", DATA / "fails.ipynb", DATA / "workbook.ipynb"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _params(folder: Path, region: str, lang: str, data_dir: Path | None = None, extra: str = "") -> Path:
    d = data_dir or folder / "nodata"
    title = {"east": "华东大区", "west": "West Region"}.get(region, region)
    label = {"east": "华东", "west": "西部"}.get(region, region)
    body = (f"region: {region}\ntitle: {title}\nlanguage: {lang}\n"
            f"data:\n  orders: {d / 'orders.csv'}\n  customers: {d / 'customers.csv'}\n"
            f"  invoices: {d / 'invoices.csv'}\n  surveys: {d / 'surveys.csv'}\n"
            f"filter:\n  region: [{label}]\n" + extra)
    p = folder / f"{region}.yaml"
    p.write_text(body, encoding="utf-8")
    return p


def _main(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


# ----------------------------------------------------------------------------- fast: before any kernel

def test_notebook_without_parameters_cell_is_refused(tmp_path):
    p = _params(tmp_path, "east", "zh")
    code, _, err = _main(["run", str(p), "--notebooks", str(HELLO), str(DATA / "no_params.ipynb"),
                          "--out", str(tmp_path / "r"), "--no-progress"])
    assert code == 2 and "no cell tagged 'parameters'" in err and "no_params.ipynb" in err
    assert not (tmp_path / "r").exists()  # nothing started, nothing written


def test_unknown_injected_parameter_is_an_error():
    with pytest.raises(BatchError, match=r"run_cache, distribute.*unknown parameter"):
        batch.check_notebooks([DATA / "unknown_param.ipynb"])
    assert batch.notebook_parameters(HELLO) >= set(batch.INJECTED)


def test_invalid_params_reported_with_file_and_key(tmp_path):
    good = _params(tmp_path, "east", "zh")
    bad = _params(tmp_path, "bad", "zh", extra="segmentation:\n  k_max: 0\nlanguage_typo: en\n")
    params, errors = batch.load_all([good, bad])
    assert [p.region for p in params] == ["east"]
    msg = errors["bad"]
    assert str(bad.resolve()) in msg and "segmentation.k_max" in msg and "language_typo" in msg


def test_duplicate_regions_refused(tmp_path):
    a = _params(tmp_path, "east", "zh")
    b = tmp_path / "east2.yaml"
    b.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ParamsError, match="both declare region 'east'"):
        batch.load_all([a, b])


def test_find_notebooks_only(tmp_path):
    found = batch.find_notebooks([str(HELLO), str(FAILS)], only=["fails.ipynb"])
    assert found == [FAILS.resolve()]
    with pytest.raises(BatchError, match="no such notebook"):
        batch.find_notebooks([str(HELLO)], only=["nope"])


def test_fingerprint_tracks_params_notebook_and_data(tmp_path):
    p = load_params(_params(tmp_path, "east", "zh"))
    base = batch.job_fingerprint(p, HELLO, "data-v1", "t")
    assert base == batch.job_fingerprint(p, HELLO, "data-v1", "t")
    p2 = load_params(_params(tmp_path, "east", "zh", extra="random_state: 7\n"))
    assert batch.job_fingerprint(p2, HELLO, "data-v1", "t") != base
    assert batch.job_fingerprint(p, FAILS, "data-v1", "t") != base
    assert batch.job_fingerprint(p, HELLO, "data-v2", "t") != base
    # executing a notebook (outputs, counts) does not change its content key
    nb = nbformat.read(str(HELLO), as_version=4)
    nb.cells[1]["execution_count"] = 3
    copy = tmp_path / "hello.ipynb"
    nbformat.write(nb, str(copy))
    assert batch.notebook_key(copy) == batch.notebook_key(HELLO)


# ------------------------------------------------------------------------------ slow: tiny notebooks

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """east (zh) + west (en) + an invalid params file, notebooks hello (ok) and fails (raises)."""
    root = tmp_path_factory.mktemp("tiny")
    pdir = root / "params"
    pdir.mkdir()
    east, west = _params(pdir, "east", "zh"), _params(pdir, "west", "en")
    bad = _params(pdir, "bad", "zh", extra="segmentation:\n  k_max: 0\n")
    out = root / "reports"
    (out / "east").mkdir(parents=True)
    (out / "east" / "fails.html").write_text("OLD GOOD REPORT", encoding="utf-8")
    t0 = time.perf_counter()
    code, stdout, stderr = _main(["run", str(pdir / "*.yaml"), "--notebooks", str(HELLO), str(FAILS),
                                  "--out", str(out), "--workers", "2", "--no-run-cache", "--no-progress"])
    return {"code": code, "stdout": stdout, "stderr": stderr, "out": out, "params": (east, west, bad),
            "seconds": time.perf_counter() - t0}


@pytest.mark.slow
def test_failures_are_isolated_and_listed(tiny_run):
    out = tiny_run["out"]
    assert tiny_run["code"] == 1
    err = tiny_run["stderr"]
    for region in ("east", "west"):
        # the cell as JupyterLab numbers it (papermill's injected cell not counted), not the kernel's count
        assert f"{region}/fails: ValueError: deliberate failure for region {region} (notebook cell 3)" in err
        failed_nb = state_dir(out) / "failed" / region / "fails.ipynb"
        assert str(failed_nb) in err
        nb = nbformat.read(str(failed_nb), as_version=4)
        tracebacks = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
        assert tracebacks and tracebacks[0]["ename"] == "ValueError"
        assert not list((out / region).glob("*.ipynb"))  # executed notebooks hold unmasked data: not in reports/
        assert (out / region / "hello.html").exists()  # the other notebook of the region rendered
    assert not (out / "west" / "fails.html").exists()  # no HTML for a failed job
    assert (out / "east" / "fails.html").read_text(encoding="utf-8") == "OLD GOOD REPORT"  # never overwritten
    assert "bad/hello: invalid params" in err and "segmentation.k_max" in err
    assert tiny_run["stdout"].strip().splitlines()[-1] == str(out / "index.html")


@pytest.mark.slow
def test_index_shows_every_region_and_failure(tiny_run):
    out = tiny_run["out"]
    text = (out / "index.html").read_text(encoding="utf-8")
    assert report.scan_html(text) == []
    for needle in ("华东大区", "West Region", 'href="east/hello.html"', 'href="west/hello.html"',
                   "deliberate failure for region east", "failed/east/fails.ipynb",
                   'href="east/fails.html"',  # link to the previous good report
                   "segmentation.k_max", "失败"):
        assert needle in text, needle
    manifest = json.loads((state_dir(out) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["jobs"]["east/hello"]["status"] == "ok"
    assert manifest["jobs"]["west/fails"]["status"] == "failed"


@pytest.mark.slow
def test_reports_are_safe_offline_and_code_free(tiny_run):
    for region in ("east", "west"):
        text = (tiny_run["out"] / region / "hello.html").read_text(encoding="utf-8")
        assert report.scan_html(text) == []
        # independent of scan_html: inside any tag, no handler attribute and no external URL
        assert "<script" not in text.lower() and not re.search(r"<[^<>]*\son[a-z]+\s*=", text)
        assert not re.search(r"""<[^<>]*(src|href)\s*=\s*["']?(https?:)?//""", text)
        # narrative, plain table and Styler table: the hostile name shows as text each time
        assert text.count(ESCAPED) >= 3
        assert "&lt;img src=x onerror=alert(2)&gt;" in text
        assert "display(t)" not in text and "load_params(" not in text  # no code
        assert re.search(r'<img[^>]+src="data:image/png;base64,', text)  # figure embedded
        assert "distribute=True" in text and "run_cache set: False" in text  # injected parameters


@pytest.mark.slow
def test_report_language_follows_params(tiny_run):
    east = (tiny_run["out"] / "east" / "hello.html").read_text(encoding="utf-8")
    west = (tiny_run["out"] / "west" / "hello.html").read_text(encoding="utf-8")
    assert "客户概览" in east and "目录" in east and "1.23亿" in east and "数据来源与运行信息" in east
    assert "Account overview" in west and "Contents" in west and "123.5M" in west and "Provenance" in west


@pytest.mark.slow
def test_zh_figure_has_no_missing_glyphs(tiny_run):
    # hello.ipynb turns "Glyph ... missing" warnings into errors inside the kernel, so an ok job proves
    # the Chinese tick labels and title rendered; double-check the executed notebook's streams too.
    nb = nbformat.read(str(state_dir(tiny_run["out"]) / "executed" / "east" / "hello.ipynb"), as_version=4)
    streams = " ".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                       if o.get("output_type") == "stream")
    assert "lyph" not in streams
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []))


@pytest.mark.slow
def test_resume_does_no_work_then_reruns_what_changed(tiny_run, monkeypatch):
    out = tiny_run["out"]
    east, west, _ = tiny_run["params"]
    html = out / "east" / "hello.html"
    mtime = html.stat().st_mtime_ns
    import importlib

    run_module = importlib.import_module("kamlib.batch.run")   # kamlib.batch.run is also the function's name
    handed = []   # the jobs kam run handed to the workers: none means no kernel was started
    real_execute = run_module.execute

    def recording(jobs, *args, **kwargs):
        handed.extend(jobs)
        return real_execute(jobs, *args, **kwargs)

    monkeypatch.setattr(run_module, "execute", recording)
    res = batch.run([east, west], [HELLO], out=out, resume=True, prepare_cache=False, progress=False)
    monkeypatch.undo()
    assert res.ok and len(res.skipped) == 2 and not res.executed
    assert handed == []
    assert html.stat().st_mtime_ns == mtime
    # a params change re-runs only that region
    west.write_text(west.read_text(encoding="utf-8") + "random_state: 3\n", encoding="utf-8")
    res = batch.run([east, west], [HELLO], out=out, resume=True, prepare_cache=False, progress=False, workers=1)
    assert [j["id"] for j in res.executed] == ["west/hello"] and [j["id"] for j in res.skipped] == ["east/hello"]
    assert res.ok and html.stat().st_mtime_ns == mtime
    # the index still lists both regions (merged with the manifest)
    assert 'href="east/hello.html"' in res.index.read_text(encoding="utf-8")


def test_kernel_start_failure_detection_and_kernelspec(tmp_path):
    # a notebook no cell of which ran is what a failed kernel start leaves behind (-> one retry)
    assert batch_jobs._never_ran(tmp_path / "missing.ipynb")
    assert batch_jobs._never_ran(HELLO)
    nb = nbformat.read(str(HELLO), as_version=4)
    nb.cells[2]["execution_count"] = 1
    ran = tmp_path / "ran.ipynb"
    nbformat.write(nb, str(ran))
    assert not batch_jobs._never_ran(ran)
    assert batch.check_kernel() is None  # the dev environment's python3 kernel runs this interpreter


@pytest.mark.slow
def test_dask_local_cluster(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    # threads of an in-process cluster share this process's environment: restore it afterwards
    for var in (*batch.THREAD_VARS, "MPLBACKEND"):
        monkeypatch.setenv(var, os.environ.get(var, ""))
    east, west = _params(tmp_path, "east", "zh"), _params(tmp_path, "west", "en")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        # the command line path: `kam run --dask ADDRESS`
        code, stdout, stderr = _main(["run", str(east), str(west), "--notebooks", str(HELLO), "--out",
                                      str(tmp_path / "r"), "--dask", cluster.scheduler_address,
                                      "--no-run-cache", "--no-progress"])
    assert code == 0, stderr
    assert "2 jobs: 2 ok, 0 failed" in stdout
    manifest = json.loads((state_dir(tmp_path / "r") / "manifest.json").read_text(encoding="utf-8"))
    assert {k for k, j in manifest["jobs"].items() if j["status"] == "ok"} == {"east/hello", "west/hello"}
    for region in ("east", "west"):
        text = (tmp_path / "r" / region / "hello.html").read_text(encoding="utf-8")
        assert report.scan_html(text) == [] and ESCAPED in text


# ------------------------------------------------------------------ slow: real workbook, small demo

@pytest.mark.slow
def test_end_to_end_demo_two_regions(small_demo_dir, tmp_path):
    import pandas as pd

    east = _params(tmp_path, "east", "zh", data_dir=small_demo_dir)
    west = _params(tmp_path, "west", "en", data_dir=small_demo_dir)
    broken = _params(tmp_path, "north", "zh", data_dir=tmp_path / "missing")  # data files do not exist
    out = tmp_path / "reports"
    res = batch.run([east, west, broken], [WORKBOOK], out=out, workers=2, progress=False)
    # the broken region fails before any kernel, alone; the others render
    assert [j["id"] for j in res.failed] == ["north/workbook"], [(j["id"], j["reason"]) for j in res.failed]
    assert "data preparation failed" in res.failed[0]["reason"] and "orders" in res.failed[0]["reason"]
    assert {j["id"] for j in res.jobs if j["status"] == "ok"} == {"east/workbook", "west/workbook"}
    assert {p.name for p in (state_dir(out) / "cache").glob("workbook-*.pkl")} == {"workbook-east.pkl",
                                                                                 "workbook-west.pkl"}
    customers = pd.read_csv(small_demo_dir / "customers.csv")
    n_east = int((customers["region"] == "华东").sum())
    text = (out / "index.html").read_text(encoding="utf-8")
    assert report.scan_html(text) == []
    assert f">{n_east:,}<" in text  # headline KPI: accounts of the east region
    assert "data preparation failed" in text  # the index shows the broken region
    for region in ("east", "west"):
        html = (out / region / "workbook.html").read_text(encoding="utf-8")
        assert report.scan_html(html) == [] and "orders.csv" in html  # provenance lists the data files
        assert f'href="{region}/report.html"' in text  # combined report linked from the index
    # PII: kam run injects distribute=True, so contact details are masked in the distributed report
    east_html = (out / "east" / "workbook.html").read_text(encoding="utf-8")
    first = customers[customers["region"] == "华东"].sort_values("customer_id").head(5)
    for phone, email in zip(first["phone"].astype(str), first["email"], strict=True):
        assert phone not in east_html and email not in east_html
        assert phone[-4:] in east_html and "***@" + email.split("@")[1] in east_html
    combined = (out / "east" / "report.html").read_text(encoding="utf-8")
    assert report.scan_html(combined) == []
    assert "管理层摘要" in combined and "kam-tile" in combined and f">{n_east:,}<" in combined
    assert "Executive summary" in (out / "west" / "report.html").read_text(encoding="utf-8")
    # resume: nothing to do, not even the ledger scan
    import kamlib.runcache

    def no_scan(*a, **k):
        raise AssertionError("the run cache was rebuilt although nothing changed")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kamlib.runcache, "prepare_run_cache", no_scan)
        res2 = batch.run([east, west], [WORKBOOK], out=out, resume=True, progress=False)
    assert not res2.executed and len(res2.skipped) == 2


# ------------------------------------------------------------------ slow: warm kernels

DIRTY, CLEAN = DATA / "kernel_1_dirty.ipynb", DATA / "kernel_2_clean.ipynb"


def _stream_text(nb_path: Path, name: str = "stderr") -> str:
    nb = nbformat.read(str(nb_path), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("name") == name)


@pytest.mark.slow
def test_warm_kernel_is_reset_between_notebooks(tmp_path):
    east = _params(tmp_path, "east", "zh")
    out = tmp_path / "reports"
    # one worker: dirty then clean run in the same kernel (jobs keep the notebooks' order)
    res = batch.run([east], [DIRTY, CLEAN], out=out, workers=1, prepare_cache=False, progress=False)
    assert [j["id"] for j in res.jobs] == ["east/kernel_1_dirty", "east/kernel_2_clean"]
    assert not res.failed, [(j["id"], j["reason"]) for j in res.failed]
    executed = state_dir(out) / "executed" / "east"
    # the warning was shown again: filters and the record of shown warnings were reset
    assert "kam-hygiene-check" in _stream_text(executed / "kernel_1_dirty.ipynb")
    assert "kam-hygiene-check" in _stream_text(executed / "kernel_2_clean.ipynb")
    # the same kernel ran both: the reset, not a new kernel, is what made clean pass
    pids = {re.search(r"kernel pid (\d+)", _stream_text(executed / f"{n}.ipynb", "stdout")).group(1)
            for n in ("kernel_1_dirty", "kernel_2_clean")}
    assert len(pids) == 1


@pytest.mark.slow
@pytest.mark.parametrize("fresh", [False, True], ids=["warm", "fresh"])
def test_stream_outputs_do_not_depend_on_flush_timing(tmp_path, fresh):
    """The kernel sends stderr in chunks on a timer (0.2 s), so a cell that warns, computes a while and warns
    again gave one or two stream outputs depending on the machine's load; one output per stream and cell."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[
        new_code_cell('params_file = ""\nrun_cache = None\ndistribute = False', metadata={"tags": ["parameters"]}),
        new_code_cell("import time, warnings\nfrom IPython.display import Markdown, display\n"
                      "warnings.warn('kam-first')\nprint('out-1')\ntime.sleep(0.6)\n"   # longer than the flush timer
                      "warnings.warn('kam-second')\nprint('out-2')\ndisplay(Markdown('shown'))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "slow_warnings.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "reports"
    res = batch.run([_params(tmp_path, "east", "en")], [path], out=out, workers=1, prepare_cache=False,
                    progress=False, fresh_kernels=fresh)
    assert not res.failed, [(j["id"], j["reason"]) for j in res.failed]
    cell = nbformat.read(str(state_dir(out) / "executed" / "east" / "slow_warnings.ipynb"), as_version=4).cells[-1]
    kinds = [o.get("name", o["output_type"]) for o in cell.outputs]
    assert kinds == ["stdout", "stderr", "display_data"], kinds
    assert cell.outputs[0]["text"] == "out-1\nout-2\n"
    err = cell.outputs[1]["text"]
    assert err.count("UserWarning") == 2 and err.index("kam-first") < err.index("kam-second")


@pytest.mark.slow
def test_warm_kernels_give_the_same_outputs_as_fresh_ones(small_demo_dir, tmp_path):
    """The real notebooks (figures, tables, warnings) run in warm kernels give the outputs of fresh kernels."""
    nbs = [Path(__file__).resolve().parents[1] / "notebooks" / f"{n}.ipynb"
           for n in ("value_assessment", "churn_survival")]
    east = _params(tmp_path, "east", "zh", data_dir=small_demo_dir)
    west = _params(tmp_path, "west", "en", data_dir=small_demo_dir)

    def outputs(out: Path) -> dict:
        got = {}
        for f in sorted((state_dir(out) / "executed").glob("*/*.ipynb")):
            nb = nbformat.read(str(f), as_version=4)
            items = []
            for c in nb.cells:
                for o in c.get("outputs", []) if c.cell_type == "code" else ():
                    o = {k: v for k, v in o.items() if k not in ("execution_count", "metadata")}
                    # the kernel's process id appears in warning locations; nothing else may differ
                    items.append(re.sub(r"ipykernel_\d+", "ipykernel_N", json.dumps(o, sort_keys=True)))
            got[f"{f.parent.name}/{f.stem}"] = items
        return got

    warm = batch.run([east, west], nbs, out=tmp_path / "warm", workers=1, progress=False)
    fresh = batch.run([east, west], nbs, out=tmp_path / "fresh", workers=1, progress=False, fresh_kernels=True)
    assert not warm.failed and not fresh.failed
    a, b = outputs(tmp_path / "warm"), outputs(tmp_path / "fresh")
    assert len(a) == 4 and a.keys() == b.keys()
    for key in a:
        assert any('"image/png"' in x for x in a[key]), key   # figures are part of the comparison
        assert a[key] == b[key], key
        # kamlib's warnings reach the reader through the Warnings section, not the kernel's stderr
        assert not any('"stderr"' in x and "StatisticalWarning" in x for x in a[key]), key
    assert any('"text/markdown"' in x and "Cox" in x for x in a["east/churn_survival"])   # the Cox notes, in zh

    def report(out: Path, key: str) -> str:
        html = (out / f"{key}.html").read_text(encoding="utf-8")
        # the provenance table's run time and duration are the only per-run values of a report
        html = re.sub(r"<td>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d</td>", "<td>T</td>", html)
        return re.sub(r"<td>[\d.,]+ s</td>", "<td>S</td>", html)

    for key in a:   # what the reader sees, the Warnings sections included
        assert report(tmp_path / "warm", key) == report(tmp_path / "fresh", key), key


def test_warm_kernel_holding_too_much_memory_is_replaced(tmp_path, monkeypatch):
    """A reset kernel above KAMLIB_KERNEL_MAX_MB is replaced before the next notebook (and says so in the
    worker log); the notebook then runs in the fresh kernel."""
    monkeypatch.setenv("KAMLIB_KERNEL_MAX_MB", "1")   # the spawned worker reads it at import
    east = _params(tmp_path, "east", "zh")
    out = tmp_path / "reports"
    res = batch.run([east], [DIRTY, CLEAN], out=out, workers=1, prepare_cache=False, progress=False)
    assert not res.failed, [(j["id"], j["reason"]) for j in res.failed]
    executed = state_dir(out) / "executed" / "east"
    pids = {re.search(r"kernel pid (\d+)", _stream_text(executed / f"{n}.ipynb", "stdout")).group(1)
            for n in ("kernel_1_dirty", "kernel_2_clean")}
    assert len(pids) == 2
    logs = "".join(f.read_text(encoding="utf-8") for f in (state_dir(out) / "logs").glob("worker-*.log"))
    assert "replaced" in logs and "limit 1 MiB" in logs



def test_kernel_memory_limit_setting(monkeypatch):
    monkeypatch.delenv("KAMLIB_KERNEL_MAX_MB", raising=False)
    assert batch_kernels._kernel_max_mb() == batch.KERNEL_MAX_MB
    monkeypatch.setenv("KAMLIB_KERNEL_MAX_MB", "2048")
    assert batch_kernels._kernel_max_mb() == 2048
    monkeypatch.setenv("KAMLIB_KERNEL_MAX_MB", "2GB")
    with pytest.raises(BatchError, match=r"KAMLIB_KERNEL_MAX_MB='2GB' must be a whole number of MiB"):
        batch_kernels._kernel_max_mb()
