"""Write the tiny notebooks the batch tests run (kept in git; rerun this script after editing it).

* ``hello.ipynb``    - needs no workbook: loads the params, shows a heading in the report language, a table
  with a hostile customer name (plain DataFrame and pandas Styler, which does not escape), a 万/亿 number
  and a figure with Chinese text (missing glyphs are turned into errors inside the kernel).
* ``fails.ipynb``    - raises on purpose (fault isolation).
* ``workbook.ipynb`` - opens the real workbook from the run cache and shows headline KPIs (end-to-end).
* ``no_params.ipynb`` / ``unknown_param.ipynb`` - rejected before any kernel starts.
* ``kernel_1_dirty.ipynb`` / ``kernel_2_clean.ipynb`` - run one after the other in a worker's warm kernel:
  the first leaves state behind (a variable, a warning filter, an rcParam, an open figure, a warning already shown) and
  the second fails if any of it is still there.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
PARAMS = 'params_file = "../../../params/east.yaml"\nrun_cache = None\ndistribute = False\n'


def params_cell(src=PARAMS):
    return new_code_cell(src, metadata={"tags": ["parameters"]})


def write(name, cells, kernelspec=True):
    meta = ({"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
            if kernelspec else {})
    nb = new_notebook(cells=cells, metadata=meta)
    for i, c in enumerate(nb.cells):  # stable ids keep the files diff-free when regenerated
        c["id"] = f"{name[:8]}-{i}"
    nbformat.write(nb, str(HERE / f"{name}.ipynb"))


write("hello", [
    new_markdown_cell("Batch test notebook (headings come from code, in the report language)."),
    params_cell(),
    new_code_cell(
        "import warnings\n"
        "\n"
        "import pandas as pd\n"
        "from IPython.display import Markdown, display\n"
        "\n"
        "from kamlib import fmt, plotting\n"
        "from kamlib.params import load_params\n"
        "\n"
        "warnings.filterwarnings('error', message='.*[Gg]lyph.*missing')\n"
        "p = load_params(params_file)\n"
        "zh = p.language == 'zh'\n"
        "plotting.set_theme(p.language)"),
    new_code_cell(
        "display(Markdown('## ' + ('客户概览' if zh else 'Account overview')))\n"
        "display(Markdown(f'region {p.region}, distribute={distribute}, run_cache set: {run_cache is not None}; '\n"
        "                 'top account <script>alert(1)</script>'))"),
    new_code_cell(
        "t = pd.DataFrame({'name': ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', '华东精密'],\n"
        "                  'revenue': [fmt.money(v, p.language) for v in (123456789, 54321, 98765)]})\n"
        "display(t)\n"
        "display(t.style.set_caption('Styler'))"),
    new_code_cell(
        "display(Markdown('## ' + ('图表' if zh else 'Figure')))\n"
        "ax = plotting.get_ax(figsize=(4, 2.5))\n"
        "ax.bar(['核心', '重点', '一般'], [3, 5, 9])\n"
        "ax.set_title('客户分层 (tiers)')"),
])

write("fails", [
    params_cell(),
    new_code_cell("from kamlib.params import load_params\n\np = load_params(params_file)"),
    new_code_cell("raise ValueError(f'deliberate failure for region {p.region}')"),
], kernelspec=False)  # no kernelspec metadata: kam run pins kernel and language itself

write("workbook", [
    params_cell(),
    new_code_cell(
        "import pandas as pd\n"
        "from IPython.display import Markdown, display\n"
        "\n"
        "from kamlib import plotting\n"
        "from kamlib.workbook import headline_kpis, open_workbook\n"
        "\n"
        "wb = open_workbook(params_file, run_cache, distribute=distribute)\n"
        "plotting.set_theme(wb.lang)\n"
        "assert run_cache is None or wb.cache_file, 'workbook not taken from the run cache'"),
    new_code_cell(
        "display(Markdown('## ' + ('关键指标' if wb.lang == 'zh' else 'Headline KPIs')))\n"
        "display(pd.DataFrame([headline_kpis(wb)]))"),
    new_code_cell(
        "cols = [c for c in ('name', 'revenue', 'tier') if c in wb.customers.columns]\n"
        "display(wb.customers.sort_values('revenue', ascending=False)[cols].head(5))"),
    new_code_cell(
        "# contact details: masked in distributed reports (kam run injects distribute=True)\n"
        "contact = [c for c in ('customer_id', 'contact_name', 'phone', 'email')\n"
        "           if c in wb.ledger.customers.columns]\n"
        "display(wb.ledger.customers[contact].sort_values('customer_id').head(5))"),
])

write("no_params", [new_code_cell("params_file = 'x'\nrun_cache = None\ndistribute = False")])

write("unknown_param", [params_cell('params_file = "x.yaml"\n')])

# a warning shown through the registry of a module that outlives the notebook (json's), as library code does
WARN_ONCE = ("import json\n"
             "import os\n"
             "import warnings\n"
             "\n"
             "print('kernel pid', os.getpid())\n"
             "warnings.warn_explicit('kam-hygiene-check', UserWarning, 'kam_check.py', 1, module='kam_check',\n"
             "                       registry=json.__dict__.setdefault('__warningregistry__', {}))")

write("kernel_1_dirty", [
    params_cell(),
    new_code_cell(WARN_ONCE),
    new_code_cell(
        "%matplotlib inline\n"
        "import matplotlib.pyplot as plt\n"
        "\n"
        "leftover = 'state from the previous notebook'\n"
        "plt.rcParams['lines.linewidth'] = 9.5\n"
        "fig = plt.figure()\n"
        "warnings.simplefilter('ignore')"),
])

write("kernel_2_clean", [
    params_cell(),
    new_code_cell(WARN_ONCE),
    new_code_cell(
        "%matplotlib inline\n"
        "import matplotlib.pyplot as plt\n"
        "\n"
        "assert 'leftover' not in globals() and 'fig' not in globals(), 'variables survived'\n"
        "assert plt.rcParams['lines.linewidth'] != 9.5, 'rcParams survived'\n"
        "assert not plt.get_fignums(), 'figures survived'\n"
        "assert not any(f[0] == 'ignore' and f[1] is None and f[2] is Warning and f[3] is None\n"
        "               for f in warnings.filters), 'filters survived'"),
])
