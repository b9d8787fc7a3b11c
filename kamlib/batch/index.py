"""The pages that tie a run together: ``<out>/index.html`` and each region's combined report."""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..fmt import Lang
from ..params import Params
from .common import ANALYSIS_ORDER, first_line, state_dir


def provenance(p: Params, info: dict, commit: str | None) -> dict[str, Any]:
    """The provenance footer of a region's reports (:func:`kamlib.report.provenance_html`)."""
    return {"params_file": str(p.source), "params": p.model_dump(mode="json", exclude={"source"}),
            "sources": info.get("sources") or {}, "as_of": info.get("as_of"), "kamlib_version": __version__,
            "git_commit": commit, "masked": p.report.mask_pii, "currency": p.report.currency,
            "data_quality": info.get("quality")}


def write_combined(p: Params, previous: dict, results: list[dict], info: dict, cache_dir: Path, out: Path,
                   commit: str | None, log: Callable[[str], None], state: Path | None = None) -> Path | None:
    """Render ``<out>/<region>/report.html``: executive summary, then every analysis that succeeded."""
    from .. import report
    from ..runcache import workbook_summary
    from ..summary import summary_sentences
    from ..workbook import open_workbook

    # every analysis of the region, not only this run's (`--only` must not shrink the combined report)
    status = {j.get("notebook"): j.get("status") for j in previous.values() if j.get("region") == p.region}
    status.update({r["notebook"]: r["status"] for r in results if r.get("region") == p.region})
    executed = (state if state is not None else state_dir(out)) / "executed" / p.region
    stems = sorted(status, key=lambda q: (ANALYSIS_ORDER.index(q) if q in ANALYSIS_ORDER else len(ANALYSIS_ORDER), q))
    parts = [executed / f"{q}.ipynb" for q in stems if status[q] == "ok" and (executed / f"{q}.ipynb").exists()]
    if not parts:
        return None
    try:
        summary = workbook_summary(p, cache_dir)
        if summary is not None and "sentences" in summary:
            sentences = list(summary["sentences"])
        else:
            sentences = summary_sentences(open_workbook(p, cache_dir, distribute=True))
        failed = [report.notebook_title(q, p.language) for q in stems if status[q] != "ok"]
        if failed:
            sentences.append(("本次运行失败、未包含在本报告中的分析：" if p.language == "zh" else
                              "Analyses that failed in this run and are not included: ") + ", ".join(failed))
        prov = provenance(p, info, commit) | {"started": dt.datetime.now().isoformat(timespec="seconds")}
        return report.render_combined(parts, Path(out) / p.region / "report.html", lang=p.language,
                                      title=f"{p.label} · {report.label('combined', p.language)}",
                                      subtitle=report_subtitle(p, info.get("as_of")), kpis=info.get("kpis"),
                                      sentences=sentences, provenance=prov, currency=p.report.currency,
                                      nps_level=p.satisfaction.aggregate)
    except Exception as e:  # noqa: BLE001 - the per-analysis reports stand on their own
        log(f"combined report for {p.region} not written: {first_line(e)}")
        return None


def report_subtitle(p: Params, as_of: str | None) -> str:
    from .. import fmt
    from ..report import label

    parts = [p.label]
    if as_of:
        parts.append(f"{label('data_date', p.language)} {fmt.date(as_of, p.language)}")
    return " · ".join(parts)


def index_language(manifest: dict, lang: str | None = None) -> Lang:
    """The index page's language: ``lang`` (``kam run --lang``), else the majority language of every region
    in the manifest (zh on a tie), so it does not follow whichever region ran last."""
    if lang in ("zh", "en"):
        return "en" if lang == "en" else "zh"
    langs = Counter(info.get("language") or "zh" for info in manifest["regions"].values())
    return "en" if langs.get("en", 0) > langs.get("zh", 0) else "zh"


def write_index(out: Path, manifest: dict, order: list[str] | None = None,
                notebooks: list[str] | None = None, commit: str | None = None, lang: str | None = None) -> Path:
    """Render ``<out>/index.html`` from the run manifest (one row per region ever run into ``out``, with its
    latest status; this run's regions first).

    Parameters
    ----------
    out : Path
        The report folder; links in the page are relative to it.
    manifest : dict
        The run manifest (``{"jobs": ..., "regions": ...}``).
    order : list of str, optional
        Region ids shown first, in this order (this run's regions); the manifest's others follow.
    notebooks : list of str, optional
        Notebook names in the order their columns appear within a region; others follow alphabetically.
    commit : str, optional
        Git commit shown on the page.
    lang : {"zh", "en"}, optional
        Page language; default the majority language of the manifest's regions (:func:`index_language`).

    Returns
    -------
    Path
        ``<out>/index.html``.
    """
    from ..report import render_index

    def rel(path: str | None) -> str | None:
        if not path:
            return None
        try:
            return Path(os.path.relpath(path, out)).as_posix()
        except ValueError:
            return str(path)

    region_ids = list(dict.fromkeys([*(order or []), *manifest["regions"]]))
    page_lang = index_language(manifest, lang)
    rows = []
    for reg in region_ids:
        info = manifest["regions"].get(reg, {"region": reg})
        jobs = []
        for jid, j in manifest["jobs"].items():
            if j.get("region") != reg:
                continue
            html_path = j.get("html") if j.get("status") == "ok" else None
            if html_path and not Path(html_path).exists():
                j = {**j, "status": "failed", "reason": "report file missing (deleted?): rerun kam run"}
                html_path = None
            prev = j.get("previous_html")
            jobs.append({"notebook": j.get("notebook") or jid.split("/", 1)[-1], "status": j.get("status"),
                         "reason": j.get("reason"), "html": rel(html_path),
                         "previous_html": (rel(prev) if prev and Path(prev).exists() and j.get("status") != "ok"
                                           else None),
                         "notebook_path": rel(j.get("notebook_path")), "seconds": j.get("seconds"),
                         "finished": j.get("finished")})
        rank = {n: i for i, n in enumerate(notebooks or [])}
        jobs.sort(key=lambda j: (rank.get(j["notebook"], len(rank)), j["notebook"]))
        if info.get("error"):  # one region-wide reason is shown once, in the status column
            jobs = [{**j, "reason": None} if j.get("reason") == info["error"] else j for j in jobs]
        combined = info.get("combined")
        rows.append({"region": reg, "title": info.get("title") or reg, "kpis": info.get("kpis"),
                     "jobs": jobs, "error": info.get("error"), "insufficient": info.get("insufficient"),
                     "accounts": info.get("accounts"), "currency": info.get("currency"),
                     "combined": rel(combined) if combined and Path(combined).exists() else None})
    return render_index(rows, out / "index.html", lang=page_lang, commit=commit)
