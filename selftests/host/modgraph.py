#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The import graph of one kernel-side crate (rust/CRATE/): which of its top-level modules
uses which, read from `use crate::...`, `crate::x::` and `super::x` paths (comments
stripped). Prints one line per module, "MODULE -> DEP, DEP", then "cycles: M M ..." (the
modules that can reach themselves; empty when the graph reads top-down).
    modgraph.py rust/rnwfs"""
import os
import re
import sys


def top_level_names(braced):
    """The first path segment of each item in `{a, b::c, d::{e, f}}`."""
    depth, cur, names = 0, "", []
    for ch in braced[1:-1]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0 and ch == ",":
            names.append(cur)
            cur = ""
        else:
            cur += ch
    names.append(cur)
    return {n.strip().split("::")[0].strip() for n in names if n.strip()}


def module_source(crate_dir, name):
    for path in (os.path.join(crate_dir, name + ".rs"), os.path.join(crate_dir, name, "mod.rs")):
        if os.path.exists(path):
            return path
    return None


def sources_of(crate_dir, name):
    """The module's file and, for a directory module, every file under it."""
    found = []
    top = module_source(crate_dir, name)
    if top:
        found.append(top)
    sub = os.path.join(crate_dir, name)
    if os.path.isdir(sub):
        for base, _, files in os.walk(sub):
            found += [os.path.join(base, f) for f in files if f.endswith(".rs")]
    return sorted(set(found))


def main():
    crate_dir = sys.argv[1].rstrip("/")
    names = set()
    for entry in os.listdir(crate_dir):
        if entry.endswith(".rs") and not entry.endswith("_generated.rs"):
            names.add(entry[:-3])
        elif os.path.isdir(os.path.join(crate_dir, entry)):
            names.add(entry)
    graph = {}
    for name in sorted(names):
        deps = set()
        for path in sources_of(crate_dir, name):
            if path.endswith("_generated.rs"):
                continue
            text = re.sub(r"//.*", "", open(path, encoding="utf-8").read())
            for m in re.finditer(r"use\s+crate::(\{[^;]*\}|\w+)", text):
                target = m.group(1)
                deps |= top_level_names(target) if target.startswith("{") else {target}
            deps |= set(re.findall(r"crate::(\w+)::", text))
            if path == module_source(crate_dir, name):
                deps |= set(re.findall(r"super::(\w+)", text))
        deps &= names
        deps.discard(name)
        graph[name] = sorted(deps)

    def reaches(start):
        seen, stack = set(), [start]
        while stack:
            for dep in graph.get(stack.pop(), []):
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return seen

    for name in sorted(graph):
        print(f"{name} -> {', '.join(graph[name])}")
    print("cycles:", " ".join(n for n in sorted(graph) if n in reaches(n)))


if __name__ == "__main__":
    main()
