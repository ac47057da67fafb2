"""The README and docs/ stay true to the code: every site field is documented in
docs/site_file.md (the generator's current output), the quickstart is two commands, the
README's Python example and the daily loop of docs/daily_operation.md run, and every page is
linked from the README and in the MkDocs nav."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from dispatch import config

REPO = Path(__file__).parents[1]
README = (REPO / "README.md").read_text()
SITE_FILE = (REPO / "docs" / "site_file.md").read_text()
CONFIG_MODELS = [
    obj
    for name, obj in vars(config).items()
    if isinstance(obj, type)
    and issubclass(obj, BaseModel)
    and obj.__module__ == config.__name__
    and not name.startswith("_")
]


def model_section(name: str) -> str:
    match = re.search(rf"^#### `{name}` .*?(?=^#### |<!-- fields:end -->)", SITE_FILE, re.M | re.S)
    assert match, f"docs/site_file.md has no field table for {name}"
    return match.group(0)


@pytest.mark.parametrize("model", CONFIG_MODELS, ids=lambda m: m.__name__)
def test_every_config_field_is_in_the_field_reference(model: type[BaseModel]) -> None:
    section = model_section(model.__name__)
    for field in model.model_fields:
        assert f"| `{field}` |" in section, f"docs/site_file.md misses {model.__name__}.{field}"


def test_field_reference_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen", REPO / "tools" / "gen_field_reference.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    block = SITE_FILE.split("<!-- fields:start -->\n")[1].split("<!-- fields:end -->")[0]
    assert block == gen.field_reference(), "run: python tools/gen_field_reference.py"


def test_quickstart_is_make_demo_and_make_test() -> None:
    quickstart = README.split("## Quickstart")[1].split("\n## ")[0]
    commands = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    assert commands == ["make demo\nmake test\n"]
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_page_is_linked_from_the_readme_and_in_the_nav() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    index = (REPO / "docs" / "index.md").read_text()
    for page in sorted((REPO / "docs").glob("*.md")):
        if page.name == "index.md":
            continue
        assert f"](docs/{page.name})" in README, f"README does not link docs/{page.name}"
        assert "](" + page.name + ")" in index, f"docs/index.md does not link {page.name}"
        assert f": {page.name}" in nav, f"mkdocs.yml nav misses {page.name}"
    for text in [README, *(p.read_text() for p in (REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.md)", text):
            assert (REPO / target).exists() or (REPO / "docs" / target).exists(), target
    assert len(README) < 6000, "the README is for newcomers: reference material goes to docs/"


def test_the_readme_python_example_runs() -> None:
    code = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(code) == 1 and len(code[0].splitlines()) <= 12
    namespace: dict = {}
    exec(compile(code[0], "README.md", "exec"), namespace)
    p = namespace["p"]
    assert p.status.ok and namespace["next_state"] == p.end_state()
    assert '"schema_version": "1.0"' in namespace["text"]


def test_the_daily_loop_of_the_docs_runs(tmp_path: Path) -> None:
    page = (REPO / "docs" / "daily_operation.md").read_text()
    block = page.split("## A runnable example")[1]
    commands = re.findall(r"```sh\n(.*?)```", block, re.S)[0].strip().splitlines()
    assert len(commands) == 2
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        done = subprocess.run(
            command.replace(" out/", f" {tmp_path}/out/"),
            shell=True,
            cwd=REPO,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, (command, done.stderr)
    import json

    one = json.loads((tmp_path / "out" / "day-1" / "plan.json").read_text())
    two = json.loads((tmp_path / "out" / "day-2" / "plan.json").read_text())
    assert two["state_in"] == one["state_out"]
    assert two["kpis"]["horizon"]["start"] == "2026-08-18T00:00:00-05:00"
