#!/usr/bin/python3
"""Keeps the records of IN.sdf whose title appears in KEEP.sdf (in IN's order): restricts a
reference set to the molecules a method could embed, so all methods are compared on the same set.

  /usr/bin/python3 eval/conformer/subset_sdf.py KEEP.sdf IN.sdf OUT.sdf
"""
import sys

keep_path, in_path, out_path = sys.argv[1:4]


def records(path):
    text = open(path).read()
    return [r + "$$$$\n" for r in text.split("$$$$\n") if r.strip()]


keep = {r.lstrip("\n").split("\n", 1)[0] for r in records(keep_path)}
out = [r for r in records(in_path) if r.lstrip("\n").split("\n", 1)[0] in keep]
open(out_path, "w").write("".join(out))
print(f"{len(out)} of {len(records(in_path))} records kept", file=sys.stderr)
