"""Write ``dispatch/schemas/plan.schema.json``: the JSON Schema of the plan document.

Run ``python tools/gen_plan_schema.py`` after changing :mod:`dispatch.document`;
``tests/test_plan_schema.py`` fails while the file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from dispatch.document import json_schema

TARGET = Path(__file__).parents[1] / "dispatch" / "schemas" / "plan.schema.json"


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {TARGET}")
