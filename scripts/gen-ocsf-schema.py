#!/usr/bin/env python3
"""Generate schema/api_activity.schema.json: the JSON Schema of the OCSF 1.8.0
API Activity class (class_uid 6003) with the `cloud` and `datetime` profiles,
with every object embedded under `$defs`.

How to run (from the repository root or anywhere else):

    pip install ocsf-json-schema==1.2.0 && python3 scripts/gen-ocsf-schema.py

The package ships the OCSF schemas it knows (1.8.0 included), so no network is
needed beyond the pip install.

The output is committed to the repository, so `cargo test` needs no Python: the
integration tests embed it with include_str!("../../schema/api_activity.schema.json").
Re-running this script must reproduce the committed file byte for byte
(indent=1, sort_keys=True, trailing newline); a diff after running it means the
package version or the OCSF version changed.
"""

import json
import sys
from pathlib import Path

import ocsf_json_schema as o

OCSF_VERSION = "1.8.0"
CLASS_NAME = "api_activity"
PROFILES = ["cloud", "datetime"]

OUT = Path(__file__).resolve().parent.parent / "schema" / "api_activity.schema.json"


def main() -> int:
    embedded = o.OcsfJsonSchemaEmbedded(o.get_ocsf_schema(version=OCSF_VERSION))
    schema = embedded.get_class_schema(CLASS_NAME, PROFILES)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
