#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks cgsupctl --json output against the record schemas of cgsupctl(1), JSON OUTPUT.

Usage: json-schema.py KIND [--lines] < output
  KIND     run_report | output_chunk
  --lines  one JSON object per line (tail -f), each checked

Every key of the schema must be present (null where the schema allows it) and no other key may appear:
one shape per record kind, whichever path printed it. Exits 0 when all records match, 1 otherwise.
"""
import json
import sys

INT, STR, BOOL, NULL, ARR, OBJ = int, str, bool, type(None), list, dict

SCHEMAS = {
    "run_report": {
        "name": (STR, NULL), "object_path": (STR, NULL), "result": (STR,),
        "exit_code": (INT, NULL), "exit_signal": (INT, NULL), "exit_detail": (STR, NULL),
        "exit_status": (INT,), "main_pid": (INT, NULL),
        "wall_usec": (INT, NULL), "cpu_usage_nsec": (INT, NULL), "cpu_source": (STR, NULL),
        "memory_peak": (INT, NULL), "memory_peak_source": (STR, NULL), "pids_peak": (INT, NULL),
        "oom_kills": (INT, NULL), "leftover_processes_killed": (INT, NULL),
        "cgroup": (STR, NULL), "cgroup_removed": (BOOL, NULL),
        "command": (ARR, NULL), "limits": (OBJ, NULL),
    },
    "output_chunk": {
        "name": (STR,), "stream": (STR,), "data": (STR, ARR), "size": (INT,),
        "lost_bytes": (INT, NULL), "next_cursor": (INT,),
    },
}


def check(kind, record):
    schema = SCHEMAS[kind]
    if not isinstance(record, dict):
        return ["not an object"]
    errors = []
    for key, types in schema.items():
        if key not in record:
            errors.append(f"missing key {key}")
            continue
        value = record[key]
        # bool is an int in Python: only accept it where the schema says bool.
        if isinstance(value, bool) and BOOL not in types:
            errors.append(f"{key}: bool where {types} expected")
        elif not isinstance(value, types):
            errors.append(f"{key}: {type(value).__name__} where {[t.__name__ for t in types]} expected")
    errors += [f"unknown key {k}" for k in record if k not in schema]
    return errors


def main():
    kind = sys.argv[1]
    text = sys.stdin.read()
    records = [json.loads(l) for l in text.splitlines() if l.strip()] if "--lines" in sys.argv[2:] \
        else [json.loads(text)]
    if not records:
        print("no record")
        return 1
    bad = 0
    for i, r in enumerate(records):
        for e in check(kind, r):
            print(f"record {i}: {e}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
