#!/usr/bin/env python3
"""Fails when registryd/'s files include each other in a circle (issue 14).

usage: scripts/include_cycles.py [REGISTRYD_DIR]   (default: registryd/ beside scripts/)

The graph comes from the `#include "..."` lines, each resolved as the compiler does: the
including file's folder, then the folders of registryd_inc in registryd/meson.build.
Includes that resolve outside registryd/ (store.h, generated headers) are not edges.
Two graphs are checked: the files themselves, and the modules (x.c, x.h and x_int.h are
one module: dispatch.c including watch.h while watch.h includes dispatch.h is a circle
even though no header includes itself). The direction is checked too: handlers include
the call API (call.h), never the dispatcher's header. Exit 0 and one line when all holds;
1 with every circle found on stderr.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def search_dirs(root):
    """The folders of registryd_inc, in order, so no list here goes stale."""
    with open(os.path.join(root, "meson.build"), encoding="utf-8") as f:
        m = re.search(r"registryd_inc\s*=\s*include_directories\(([^)]*)\)", f.read())
    return re.findall(r"'([^']*)'", m.group(1)) if m else ["."]


def graph(root):
    dirs = search_dirs(root)
    edges = {}
    for top, _, names in os.walk(root):
        for name in sorted(n for n in names if n.endswith((".c", ".h"))):
            path = os.path.relpath(os.path.join(top, name), root)
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                incs = INCLUDE.findall(f.read())
            edges[path] = set()
            for inc in incs:
                for d in [os.path.dirname(path)] + dirs:
                    cand = os.path.normpath(os.path.join(d, inc))
                    if os.path.isfile(os.path.join(root, cand)):
                        edges[path].add(cand)
                        break
    return edges


def module(path):
    return re.sub(r"(_int)?\.[ch]$", "", path)


def circles(edges):
    """Every circle found by a depth-first walk, as a list of nodes (first repeated last)."""
    found, state, stack = [], {}, []

    def walk(n):
        state[n] = "open"
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == "open":
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                walk(m)
        stack.pop()
        state[n] = "done"

    sys.setrecursionlimit(10000)
    for n in sorted(edges):
        if n not in state:
            walk(n)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "registryd")
    files = graph(root)
    modules = {}
    for f, tos in files.items():
        modules.setdefault(module(f), set()).update(module(t) for t in tos if module(t) != module(f))
    bad = [("files", c) for c in circles(files)] + [("modules", c) for c in circles(modules)]
    for f, tos in sorted(files.items()):
        if f.startswith("handlers" + os.sep) and any(os.path.basename(t) == "dispatch.h" for t in tos):
            bad.append(("direction", [f, "dispatch.h"]))
    for kind, c in bad:
        if kind == "direction":
            print(f"registryd/{c[0]} includes dispatch.h (handlers include call.h)", file=sys.stderr)
        else:
            print(f"include circle among registryd/ {kind}: {' -> '.join(c)}", file=sys.stderr)
    if bad:
        return 1
    print(f"no include circle among {len(files)} files ({len(modules)} modules) of registryd/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
