"""The README stays true to the code: every site field is documented, the quickstart is two
commands, and the field reference is the generator's current output."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from dispatch import config

REPO = Path(__file__).parents[1]
README = (REPO / "README.md").read_text()
CONFIG_MODELS = [
    obj
    for name, obj in vars(config).items()
    if isinstance(obj, type)
    and issubclass(obj, BaseModel)
    and obj.__module__ == config.__name__
    and not name.startswith("_")
]


def model_section(name: str) -> str:
    match = re.search(rf"^#### `{name}` .*?(?=^#### |<!-- fields:end -->)", README, re.M | re.S)
    assert match, f"README has no field table for {name}"
    return match.group(0)


@pytest.mark.parametrize("model", CONFIG_MODELS, ids=lambda m: m.__name__)
def test_every_config_field_is_in_the_readme(model: type[BaseModel]) -> None:
    section = model_section(model.__name__)
    for field in model.model_fields:
        assert f"| `{field}` |" in section, f"README misses {model.__name__}.{field}"


def test_field_reference_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen", REPO / "tools" / "gen_field_reference.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    block = README.split("<!-- fields:start -->\n")[1].split("<!-- fields:end -->")[0]
    assert block == gen.field_reference(), "run: python tools/gen_field_reference.py"


def test_quickstart_is_make_demo_and_make_test() -> None:
    quickstart = README.split("## Quickstart")[1].split("\n## ")[0]
    commands = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    assert commands == ["make demo\nmake test\n"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
