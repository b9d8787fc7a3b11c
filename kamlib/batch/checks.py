"""Checks before any kernel starts: params files, notebooks (their ``parameters`` cell), the kernel."""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import BatchError, ParamsError
from ..params import Params, load_params
from .common import ANALYSIS_ORDER, INJECTED, KERNEL_NAME, first_line


def notebook_parameters(path: str | Path) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.

    Returns
    -------
    set of str

    Raises
    ------
    BatchError
        When the notebook cannot be read, has no cell tagged ``parameters`` or the cell is not Python.
    """
    import nbformat

    path = Path(path)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as e:
        raise BatchError(f"{path}: cannot read notebook ({first_line(e)})") from None
    cell = next((c for c in nb.cells
                 if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise BatchError(f"{path}: no cell tagged 'parameters'. In JupyterLab open the property inspector of the "
                         f"first code cell and add the tag 'parameters' (it must define {', '.join(INJECTED)}).")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as e:
        raise BatchError(f"{path}: the parameters cell is not valid Python ({e.msg}, line {e.lineno})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def check_notebooks(notebooks: Iterable[str | Path], injected: Iterable[str] = INJECTED) -> None:
    """Refuse notebooks papermill would run with a missing ``parameters`` cell or an unknown parameter.

    Parameters
    ----------
    notebooks : iterable of str or Path
        The ``.ipynb`` files to check.
    injected : iterable of str
        Parameter names ``kam run`` injects; each must be assigned in the ``parameters`` cell.

    Raises
    ------
    BatchError
        Listing every problem of every notebook at once.
    """
    problems = []
    for nb in notebooks:
        try:
            names = notebook_parameters(nb)
        except BatchError as e:
            problems.append(str(e))
            continue
        missing = [n for n in injected if n not in names]
        if missing:
            problems.append(f"{nb}: kam run injects {', '.join(missing)}, which the parameters cell does not define "
                            "(papermill would add an unknown parameter). Add e.g. `run_cache = None` to that cell.")
    if problems:
        raise BatchError("notebook check failed, no job was started:\n" + "\n".join(problems))


def find_notebooks(patterns: list[str] | None = None, only: list[str] | None = None,
                   folder: str | Path = "notebooks") -> list[Path]:
    """Notebooks to run: ``patterns`` (files, folders or globs; default ``notebooks/*.ipynb``) filtered by
    ``only`` (names with or without ``.ipynb``).

    Parameters
    ----------
    patterns : list of str, optional
        Notebook files, folders (their ``*.ipynb``) or globs; default ``folder``. Hidden files, checkpoints and
        ``*.failed.ipynb`` are skipped.
    only : list of str, optional
        Keep only these notebook names.
    folder : str or Path
        Folder searched when ``patterns`` is empty.

    Returns
    -------
    list of Path
        Resolved paths, the analyses in reading order, then any others alphabetically.

    Raises
    ------
    BatchError
        If a named notebook does not exist, nothing is found, or a name in ``only`` matches no notebook.
    """
    import glob

    pats = patterns or [str(folder)]
    found: list[Path] = []
    for pat in pats:
        p = Path(pat)
        if p.is_dir():
            hits = sorted(p.glob("*.ipynb"))
        elif any(ch in pat for ch in "*?["):
            hits = [Path(h) for h in sorted(glob.glob(pat))]
        else:
            hits = [p]
        for h in hits:
            if h.name.startswith(".") or ".ipynb_checkpoints" in h.parts or h.name.endswith(".failed.ipynb"):
                continue
            if not h.exists():
                raise BatchError(f"notebook {h} not found (notebooks live in notebooks/*.ipynb; see --notebooks)")
            h = h.resolve()
            if h not in found:
                found.append(h)
    if not found:
        raise BatchError(f"no notebooks found in {', '.join(pats)}; pass --notebooks PATH")
    # the analyses in reading order (value first), then any others alphabetically
    found.sort(key=lambda q: (ANALYSIS_ORDER.index(q.stem) if q.stem in ANALYSIS_ORDER else len(ANALYSIS_ORDER),
                              q.stem))
    if only:
        wanted = {Path(o).stem for o in only}
        unknown = wanted - {p.stem for p in found}
        if unknown:
            raise BatchError(f"--only {', '.join(sorted(unknown))}: no such notebook; available: "
                             f"{', '.join(p.stem for p in found)}")
        found = [p for p in found if p.stem in wanted]
    return found


def check_kernel(name: str = KERNEL_NAME) -> str | None:
    """A warning when the ``python3`` kernel would not run this environment's interpreter (a stale
    user-level kernelspec is the classic cause of ``No module named kamlib`` inside papermill).

    Parameters
    ----------
    name : str
        The Jupyter kernel name.

    Returns
    -------
    str or None
        The warning text, or None when the kernel runs this interpreter.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return (f"no Jupyter kernel named {name!r}: run `python -m ipykernel install --sys-prefix` "
                "in this environment")
    exe = spec.argv[0] if spec.argv else ""
    if exe in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return None  # jupyter_client substitutes this process's interpreter
    try:
        same = Path(exe).resolve() == Path(sys.executable).resolve()
    except OSError:
        same = False
    if not same:
        return (f"kernel {name!r} ({spec.resource_dir}) runs {exe}, not {sys.executable}; kamlib may be missing "
                "there. Remove that kernelspec or reinstall it from this environment "
                "(python -m ipykernel install --sys-prefix).")
    return None


def load_all(files: Iterable[Path]) -> tuple[list[Params], dict[str, str]]:
    """Load and validate every params file. Returns the valid ones and ``{file stem: error}`` for the rest
    (every error lists the file, the key, what is allowed and what was found).

    Parameters
    ----------
    files : iterable of Path
        The params (YAML) files.

    Raises
    ------
    ParamsError
        When two files declare the same ``region`` (their reports would overwrite each other).
    """
    good: list[Params] = []
    bad: dict[str, str] = {}
    for f in files:
        try:
            good.append(load_params(Path(f).resolve()))
        except ParamsError as e:
            bad[Path(f).stem] = str(e)
    seen: dict[str, Path | None] = {}
    for p in good:
        if p.region in seen:
            raise ParamsError(f"{p.source} and {seen[p.region]} both declare region {p.region!r}; region ids name "
                              "the report folders and must be unique")
        seen[p.region] = p.source
    return good, bad
