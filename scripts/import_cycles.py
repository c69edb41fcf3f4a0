#!/usr/bin/env python3
"""Import circles between the files of each crate: prints every cycle of `use` edges
(crate::…, super::…, self::…) between source files and exits 1 if there is one.

A file's edges are the modules its paths name (the longest prefix that is a file). A parent's
`pub use child::…` re-export and its `mod child;` are not edges: they only say where an item
lives. Usage: scripts/import_cycles.py [crate_dir ...] (default: every crate of the workspace).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ["operators", "problems", "solver", "validation", "benches"]


def modules(src: Path) -> dict:
    """Module path (tuple) -> file, for every .rs file under src."""
    found = {}
    for f in src.rglob("*.rs"):
        parts = list(f.relative_to(src).with_suffix("").parts)
        if parts[0] == "bin":
            continue
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        found[tuple(parts)] = f
    return found


def paths_in(text: str):
    """Every crate::/super::/self:: path, with `use` groups expanded (`a::{b, c::d}`)."""
    text = re.sub(r"//[^\n]*", "", text)
    # A file's unit tests (`#[cfg(test)] mod tests { use super::*; … }`) name the file itself.
    text = re.split(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)[0]
    for m in re.finditer(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
        yield from ((m.group(1) is not None, p) for p in expand(re.sub(r"\s+", "", m.group(2))))
    body = re.sub(r"\buse\s+[^;]+;", "", text)
    for m in re.finditer(r"(?<![\w:])(\w+(?:::\w+)+)", body):
        yield False, m.group(1)


def expand(s: str):
    i = s.find("{")
    if i < 0:
        yield s
        return
    depth, parts, start = 0, [], i + 1
    for j in range(i, len(s)):
        c = s[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append(s[start:j])
                break
        elif c == "," and depth == 1:
            parts.append(s[start:j])
            start = j + 1
    for p in parts:
        if p:
            yield from expand(s[:i] + p)


def resolve(here: tuple, path: str, mods: dict):
    """The file a path names: the longest prefix of it that is a module with a file."""
    parts = path.split("::")
    if parts[0] == "crate":
        cur, rest = [], parts[1:]
    elif parts[0] in ("self", "super"):
        cur, rest = list(here), parts
        while rest and rest[0] in ("self", "super"):
            cur = cur[:-1] if rest[0] == "super" else cur
            rest = rest[1:]
    elif here + (parts[0],) in mods:
        cur, rest = list(here), parts  # a child module, named from its parent
    else:
        return None
    best = tuple(cur) if tuple(cur) in mods else None
    for k in range(len(rest)):
        cand = tuple(cur + rest[: k + 1])
        if cand not in mods:
            break
        best = cand
    return best


def cycles(crate: Path):
    src = crate / "src"
    mods = modules(src)
    edges = {m: set() for m in mods}
    for m, f in mods.items():
        text = f.read_text()
        for reexport, p in paths_in(text):
            target = resolve(m, p, mods)
            if target is None or target == m:
                continue
            if reexport and target[: len(m)] == m:
                continue  # a parent re-exporting its child's item
            edges[m].add(target)
    # Tarjan's strongly connected components.
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(str(mods[c].relative_to(ROOT)) for c in comp))

    sys.setrecursionlimit(10000)
    for v in mods:
        if v not in index:
            visit(v)
    return out


def main():
    crates = [Path(a).resolve() for a in sys.argv[1:]] or [ROOT / c for c in CRATES]
    found = 0
    for c in crates:
        for comp in cycles(c):
            found += 1
            print("import circle: " + " <-> ".join(comp))
    print(f"{found} import circle(s)" if found else "no import circles")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
