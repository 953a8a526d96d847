"""``python -m shared.schemas DIR``: write each topic's contract as JSON Schema.

Other systems that produce straight to ``articles.raw`` validate against these files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.topics import ALL


def schemas() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for spec in ALL:
        schema = spec.model.model_json_schema()
        schema["$id"] = f"newsflow:{spec.name}:v{spec.current_version}"
        schema["description"] = (schema.get("description") or "") + f"\n\nTopic {spec.name}; produced by " \
            f"{spec.producer}; consumed by {', '.join(spec.consumers)}."
        out[f"{spec.name}.v{spec.current_version}.schema.json"] = schema
    return out


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")
    target.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (target / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        print(f"wrote {target / name}")


if __name__ == "__main__":
    main()
