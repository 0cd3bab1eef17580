#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks cgsupctl --json output against docs/cgsupctl.schema.json (cgsupctl(1), JSON OUTPUT).

Usage: json-schema.py KIND [--lines] < output
       json-schema.py --batch DIR
       json-schema.py --lint
  KIND     a document kind of the schema's $defs: status, status_detail, run_report, output_record, ...
  --lines  one JSON object per line (tail -f, top -b), each checked
  --batch  check every DIR/NNN-KIND.json (NNN-KIND.lines.json: one object per line) in one run (an
           interpreter start per document is slow on a loaded machine); prints "NAME ok" or "NAME fail: ..."
  --lint   check the schema itself: valid JSON Schema (2020-12), and every object it describes is closed
           (additionalProperties or unevaluatedProperties false, or a map) with every property required,
           so that "every key always present, no other key" is what the validator enforces

Validation is python3-jsonschema's (Debian 12: python3-jsonschema, in tools/install-deps). Exits 0 when
every record matches, 1 otherwise (each error printed with the path of the offending value).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    # A python3 of its own (pyenv, venv) may come first on PATH without Debian's modules: use Debian's.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("json-schema.py: python3-jsonschema is not installed (tools/install-deps installs it)", file=sys.stderr)
    sys.exit(2)

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "cgsupctl.schema.json")


def load_schema():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def validator_for(schema, kind):
    if kind not in schema["$defs"]:
        raise SystemExit(f"json-schema.py: no kind '{kind}' in {SCHEMA_PATH}")
    # The kind's definition, resolved inside the whole document so that its $refs work.
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    cls = jsonschema.validators.validator_for(sub)
    cls.check_schema(sub)
    return cls(sub)


def lint(schema):
    """Every object schema with properties requires all of them and admits no other key."""
    jsonschema.validators.validator_for(schema).check_schema(schema)
    problems = []

    def walk(node, where):
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                missing = [k for k in props if k not in node.get("required", [])]
                if missing:
                    problems.append(f"{where}: properties not required: {missing}")
                closed = node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False
                # A row that closing schemas $ref (program_row) is closed by them.
                referenced_row = where.endswith("_row")
                if not closed and not referenced_row:
                    problems.append(f"{where}: object not closed (additionalProperties/unevaluatedProperties)")
            for k, v in node.items():
                # if/then constrain a closed object's values: they list properties, not keys to have.
                if k not in ("if", "then", "else"):
                    walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(schema["$defs"], "#/$defs")
    for p in problems:
        print(p)
    return 1 if problems else 0


def records_of(text, lines):
    if lines:
        return [json.loads(l) for l in text.splitlines() if l.strip()]
    return [json.loads(text)]


def errors_of(schema, kind, text, lines):
    """The problems of @text as KIND: an empty list when it matches."""
    try:
        records = records_of(text, lines)
    except json.JSONDecodeError as e:
        return [f"not JSON: {e}: {text[:200]!r}"]
    if not records:
        return ["no record"]
    validator = validator_for(schema, kind)
    problems = []
    for i, r in enumerate(records):
        for e in sorted(validator.iter_errors(r), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in e.absolute_path) or "(document)"
            problems.append(f"record {i}: {kind}: {path}: {e.message}")
    return problems


def batch(schema, directory):
    bad = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        stem = name[:-len(".json")]
        lines = stem.endswith(".lines")
        kind = stem[:-len(".lines")] if lines else stem
        kind = kind.split("-", 1)[1]
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            problems = errors_of(schema, kind, f.read(), lines)
        if problems:
            bad += 1
            for p in problems[:20]:
                print(f"{name} fail: {p}")
        else:
            print(f"{name} ok")
    return 1 if bad else 0


def main():
    args = sys.argv[1:]
    schema = load_schema()
    if args == ["--lint"]:
        return lint(schema)
    if len(args) == 2 and args[0] == "--batch":
        return batch(schema, args[1])
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    kind = args[0]
    problems = errors_of(schema, kind, sys.stdin.read(), "--lines" in args[1:])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
