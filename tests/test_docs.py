"""The documentation: the site builds with ``--strict``, and every code example in it runs.

- ``mkdocs build --strict`` builds ``mkdocs.yml`` into a temporary folder: a broken link, a
  missing page or snippet, or a docstring that mkdocstrings cannot parse fails the suite.
- Every ```` ```python ```` block of ``docs/**/*.md`` runs. The blocks of one page run in
  order in one namespace (a page is one script), in a temporary working directory.
  Two kinds of block do not run:

  * a block right after an HTML comment ``<!-- not-run: REASON -->`` (invisible on the
    site): code that cannot run here, such as a download or the original framework of a
    reference tutorial. It is still compiled, so it must stay valid Python;
  * a block made only of ``--8<-- "examples/..."`` snippet lines: a script included whole,
    which ``tests/test_examples.py`` runs.

- The numpydoc ``Examples`` of every module of the package run as doctests.
- The API reference documents every public name, the getting-started page shows the
  README's two setup commands verbatim, and every ``lstm-forecast`` command line in the
  docs is accepted by the command's argument parser.
"""

from __future__ import annotations

import ast
import doctest
import html
import importlib
import os
import pkgutil
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_ext" not in p.parts)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")
_NOT_RUN = re.compile(r"^[ \t]*<!--[ \t]*not-run:(?P<reason>.*?)-->[ \t]*$")
_SNIPPET = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"[^"]+"[ \t]*$')


@dataclass
class Block:
    """A fenced code block of a Markdown page."""

    page: Path
    line: int  # 1-based line of the first code line
    language: str
    code: str
    not_run: str | None  # the reason given in <!-- not-run: ... -->, or None

    @property
    def is_include(self):
        lines = [line for line in self.code.splitlines() if line.strip()]
        return bool(lines) and all(_SNIPPET.match(line) for line in lines)

    @property
    def where(self):
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(page):
    """Every fenced code block of ``page`` (indented ones, inside tabs, included)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        language = match["info"].strip().lstrip("{").lstrip(".").split(" ")[0].rstrip("}")
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        reason = _NOT_RUN.match(previous)
        end = i + 1
        closing = re.compile(rf"^{re.escape(indent)}{fence[0]}{{{len(fence)},}}[ \t]*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page.relative_to(ROOT)}:{i + 1}: code fence never closed")
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[i + 1 : end]]
        blocks.append(Block(page, i + 2, language.lower(), "\n".join(body) + "\n",
                            reason["reason"].strip() if reason else None))
        i = end + 1
    return blocks


def python_blocks(page):
    return [b for b in fenced_blocks(page) if b.language in ("python", "py")]


PYTHON_PAGES = [p for p in PAGES if python_blocks(p)]


def _page_id(page):
    return str(page.relative_to(DOCS))


# ------------------------------------------------------------------------- the site


def test_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs", reason='the docs need mkdocs: pip install -e ".[dev]"')
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    reference = (site / "api" / "estimators" / "index.html").read_text(encoding="utf-8")
    assert 'id="lstm_forecast.LSTMRegressor"' in reference
    # The estimators' docstrings and the classifier's signature are built at import time:
    # the page must show them (docs/_ext/sphinx_markup.py reads the live classes).
    def text_after(anchor):
        part = reference[reference.index(anchor):]
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))

    regressor, classifier = (text_after(f'id="lstm_forecast.{name}"')
                             for name in ("LSTMRegressor", "LSTMClassifier"))
    for section, pooling in ((regressor, '"last"'), (classifier, '"max"')):
        assert re.search(rf"pooling\s*=\s*{pooling}", section[:3000])
        assert "Units of each recurrent layer" in section[:20000]
    tables = (site / "benchmarks" / "forecast-accuracy" / "index.html").read_text(encoding="utf-8")
    assert "<table>" in tables and "--8&lt;--" not in tables


# ------------------------------------------------------------------------ page code


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_page_id)
def test_page_code_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for block in python_blocks(page):
        # Blank lines in front keep the page's line numbers in tracebacks.
        source = "\n" * (block.line - 1) + block.code
        code = compile(source, str(block.page.relative_to(ROOT)), "exec")
        if block.is_include:
            for target in re.findall(r'"([^"]+)"', block.code):
                assert (ROOT / target).is_file(), f"{block.where}: no file {target}"
            continue
        if block.not_run is not None:
            assert block.not_run, f"{block.where}: say why the block cannot run: <!-- not-run: why -->"
            continue
        exec(code, namespace)


def test_not_run_blocks_are_few_and_explained():
    """A list to read in review: every block the docs test does not run, and why."""
    skipped = [(b.where, b.not_run) for p in PAGES for b in python_blocks(p) if b.not_run is not None]
    assert all(reason for _, reason in skipped), skipped
    runnable = sum(1 for p in PAGES for b in python_blocks(p) if b.not_run is None)
    assert len(skipped) < runnable / 2, f"more blocks skipped than run: {skipped}"


def test_not_run_marker_is_followed_by_a_block():
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if _NOT_RUN.match(line):
                following = next((x for x in lines[i + 1 :] if x.strip()), "")
                assert _FENCE.match(following), (
                    f"{page.relative_to(ROOT)}:{i + 1}: <!-- not-run --> must come right "
                    f"before a code fence"
                )


# ------------------------------------------------------------------------ docstrings


def _package_modules():
    import lstm_forecast

    names = ["lstm_forecast"]
    for info in pkgutil.walk_packages(lstm_forecast.__path__, "lstm_forecast."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module_name", _package_modules())
def test_docstring_examples_run(module_name):
    if module_name == "lstm_forecast.plotting":
        pytest.importorskip("matplotlib")
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    for test in finder.find(module, module_name):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)


# --------------------------------------------------------------- reference coverage


def _all_names(init_file):
    tree = ast.parse(init_file.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__"
                                                for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"no __all__ in {init_file}")


def test_api_reference_documents_every_public_name():
    documented = set()
    for page in (DOCS / "api").glob("*.md"):
        documented |= set(re.findall(r"^:::[ \t]+(\S+)", page.read_text(encoding="utf-8"), re.M))
    package = ROOT / "lstm_forecast"
    expected = {f"lstm_forecast.{n}" for n in _all_names(package / "__init__.py")}
    expected |= {f"lstm_forecast.datasets.{n}" for n in _all_names(package / "datasets" / "__init__.py")}
    assert sorted(expected - documented) == []


def test_getting_started_shows_the_readme_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(python3 -m venv[^\n]*)\n```", readme)
    assert len(commands) == 2, "the README's two setup commands were not found"
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for command in commands:
        assert command in page, f"docs/getting-started.md lacks the README command:\n{command}"


def _command_lines(block):
    """The ``lstm-forecast ...`` command lines of a shell block (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", block.code)
    for line in text.splitlines():
        line = line.strip().removeprefix("$ ")
        if line.startswith("lstm-forecast"):
            yield line.split(" #")[0]


def test_command_lines_in_the_docs_parse():
    from lstm_forecast.cli import _parser

    parser = _parser()
    seen = 0
    for page in PAGES:
        for block in fenced_blocks(page):
            if block.language not in ("bash", "console", "shell", "sh"):
                continue
            for line in _command_lines(block):
                seen += 1
                try:
                    parser.parse_args(shlex.split(line)[1:])
                except SystemExit as exit_:
                    assert exit_.code == 0, f"{block.where}: lstm-forecast rejects: {line}"
    assert seen >= 4


def test_dev_extra_holds_the_docs_extra():
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras["docs"]) <= set(extras["dev"])
