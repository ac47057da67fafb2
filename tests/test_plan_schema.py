"""One plan document: ``Plan.to_json()`` and the CLI's ``plan.json`` have the same keys, a
``schema_version``, and validate against ``dispatch/schemas/plan.schema.json``, which is the
generator's current output."""

from __future__ import annotations

import importlib.util
import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, buffer_report, plan
from dispatch.document import SCHEMA_VERSION, PlanDocument

REPO = Path(__file__).parents[1]


def schema() -> dict:
    return json.loads(files("dispatch").joinpath("schemas/plan.schema.json").read_text())


def test_schema_file_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen", REPO / "tools" / "gen_plan_schema.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (REPO / "dispatch" / "schemas" / "plan.schema.json").read_text() == gen.schema_text(), (
        "run: python tools/gen_plan_schema.py"
    )


@pytest.fixture(scope="module")
def tiny_plan():
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}],
        fleets=[
            {
                "name": "f",
                "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
                "miners_per_container": 1000,
                "containers": 3,
            }
        ],
    )
    index = pd.date_range("2026-01-05", periods=6, freq="h", tz="UTC")
    price = pd.Series([20.0, 30.0, 300.0, 300.0, 30.0, 20.0], index=index)
    return plan(site, Inputs(price, pd.Series(50.0, index=index)))


def test_plan_to_json_validates_with_and_without_parts(tiny_plan) -> None:
    full = json.loads(tiny_plan.to_json(buffer=buffer_report(tiny_plan), provenance={"by": "t"}))
    bare = json.loads(tiny_plan.to_json(schedule=False))
    for doc in (full, bare):
        jsonschema.validate(doc, schema())
        PlanDocument.model_validate(doc)
        assert doc["schema_version"] == SCHEMA_VERSION
    assert list(full) == list(bare) == list(PlanDocument.model_fields)
    assert bare["schedule"] is None and bare["buffer"] is None and bare["provenance"] is None
    assert full["schedule"]["columns"][0] == "price_usd_per_mwh"
    assert full["kpis"]["dr_compliance_frac"] is None  # no DR event: nothing to comply with


def test_a_broken_document_fails_the_schema(tiny_plan) -> None:
    doc = json.loads(tiny_plan.to_json(schedule=False))
    doc["kpis"]["peak_import_mw"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema())
    del doc["state_out"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema())
