#!/usr/bin/env python3
"""Validates `hmlcost lint --format sarif` against the SARIF 2.1.0 schema.

The schema, sarif-schema-2.1.0.json beside this file, is the OASIS
specification's own (github.com/oasis-tcs/sarif-spec,
sarif-2.1/schema/sarif-schema-2.1.0.json, errata01). Needs python3-jsonschema;
skips (exit 77) without it. Checks the corpus's output (findings and notes)
and a clean run, and that every result points at a rule the driver lists."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)


def lint_sarif(hmlcost, *paths):
    run = subprocess.run([hmlcost, "lint", "--format", "sarif", "--cpus", "8", *paths],
                         capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        sys.exit(f"hmlcost lint exited {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def main():
    hmlcost, corpus = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    with tempfile.TemporaryDirectory() as tmp:
        clean = os.path.join(tmp, "clean.py")
        with open(clean, "w", encoding="utf-8") as f:
            f.write("import torch\ntorch.set_num_threads(1)\n")
        bad = os.path.join(tmp, "weird name #1.py")
        with open(bad, "wb") as f:
            f.write(b"torch.set_num_threads(99)\n\xff\xfe\n")
        docs = {"corpus": lint_sarif(hmlcost, corpus),
                "clean": lint_sarif(hmlcost, clean),
                "notes": lint_sarif(hmlcost, clean, bad)}
    failed = False
    for name, doc in docs.items():
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:10]:
            print(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
        failed = failed or bool(errors)
        run = doc["runs"][0]
        rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
        for r in run["results"]:
            if rules[r["ruleIndex"]] != r["ruleId"]:
                print(f"{name}: result {r['ruleId']} has ruleIndex {r['ruleIndex']}")
                failed = True
        print(f"{name}: {len(run['results'])} results, "
              f"{len(run['invocations'][0]['toolExecutionNotifications'])} notes: "
              f"{'invalid' if errors else 'valid'} SARIF 2.1.0")
    broken = json.loads(json.dumps(docs["corpus"]))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    if validator.is_valid(broken):
        print("the schema check accepts a result at line 0: it checks nothing")
        failed = True
    if not docs["corpus"]["runs"][0]["results"] or docs["clean"]["runs"][0]["results"]:
        print("the corpus must have results and the clean file none")
        failed = True
    if not docs["notes"]["runs"][0]["invocations"][0]["toolExecutionNotifications"]:
        print("the non-UTF-8 file must be a notification")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
