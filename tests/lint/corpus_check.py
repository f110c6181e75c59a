#!/usr/bin/env python3
"""Checks `hmlcost lint` against the corpus's annotations and reports
precision and recall.

An annotation names the smells expected on its line, `# expect: a, b`
(a smell twice when two findings are expected there), or on the next line,
`# expect-next-line: a` (for Dockerfiles and .env files, where a comment
must have a line of its own). A file without annotations must be clean.
Fails on any finding that is not annotated and any annotation not found,
and when the corpus has fewer than 30 files."""
import collections
import json
import os
import re
import subprocess
import sys

LINTED = re.compile(r"(\.py|\.sh|\.bash|\.env|Dockerfile)$")
EXPECT = re.compile(r"#\s*expect(-next-line)?:\s*([a-z, -]+)")


def expected(corpus):
    want = collections.Counter()
    files = 0
    for root, _, names in os.walk(corpus):
        for name in sorted(names):
            if not LINTED.search(name):
                continue
            files += 1
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = EXPECT.search(line)
                    if not m:
                        continue
                    target = number + 1 if m.group(1) else number
                    for smell in m.group(2).split(","):
                        if smell.strip():
                            want[(os.path.relpath(path, corpus), target, smell.strip())] += 1
    return want, files


def main():
    hmlcost, corpus = sys.argv[1], sys.argv[2]
    want, files = expected(corpus)
    run = subprocess.run([hmlcost, "lint", "--format", "json", "--cpus", "8",
                          "--max-batch", "512", corpus],
                         capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        sys.exit(f"hmlcost lint exited {run.returncode}: {run.stderr.strip()}")
    result = json.loads(run.stdout)
    got = collections.Counter()
    for f in result["findings"]:
        got[(os.path.relpath(f["path"], corpus), f["line"], f["smell"])] += 1
    tp = sum((want & got).values())
    fp = got - want
    fn = want - got
    precision = tp / sum(got.values()) if got else 1.0
    recall = tp / sum(want.values()) if want else 1.0
    by_smell = collections.defaultdict(lambda: [0, 0, 0])
    for key, n in (want & got).items():
        by_smell[key[2]][0] += n
    for key, n in fp.items():
        by_smell[key[2]][1] += n
    for key, n in fn.items():
        by_smell[key[2]][2] += n
    print(f"corpus: {files} files, {sum(want.values())} expected findings, "
          f"{sum(got.values())} found")
    for smell, (t, p, n) in sorted(by_smell.items()):
        print(f"  {smell:12s} true {t:3d}  false positive {p:3d}  missed {n:3d}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    for (path, line, smell), n in sorted(fp.items()):
        print(f"UNEXPECTED {path}:{line}: {smell} (x{n})")
    for (path, line, smell), n in sorted(fn.items()):
        print(f"MISSED     {path}:{line}: {smell} (x{n})")
    if files < 30:
        sys.exit(f"the corpus has {files} files; it needs at least 30")
    if fp or fn:
        sys.exit("the findings differ from the annotations")


if __name__ == "__main__":
    main()
