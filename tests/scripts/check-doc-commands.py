#!/usr/bin/env python3
"""Docs that cannot drift: runs every command README.md and docs/*.md show.

- A ```sh (or ```bash) block runs as one bash script (set -e) and must exit 0.
- In a plain ``` block, a line "$ COMMAND" runs COMMAND; the lines after it
  (up to the next "$ " or the block's end) are its expected output: each must
  match an output line, in order, where "..." matches any text and a line of
  just "..." stands for omitted lines. Exit status 1 (a failed expect:) is
  allowed when the output shows a FAIL line.
- A ```yaml block that starts with `base:` is a sweep file: it must load
  (`ecsim sweep --plan`), next to the example scenarios; with a `nemesis:`
  it is an explore file (`ecsim explore --plan`, next to scenarios/explore/).
Commands run in a scratch folder holding links to the repository's folders,
with BUILD_DIR/app first on PATH (so `ecsim` is the build's) and
build/release pointing at BUILD_DIR. Blocks that cannot run in a test are
listed in SKIP with the test that covers them instead.

Usage: check-doc-commands.py REPO BUILD_DIR
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

# A block containing a match is not run: (pattern, why, what covers it instead).
SKIP = [
    (r"^scripts/(demo|test)\.sh", "the set-up commands", "scripts/fresh-machine-check.sh"),
    (r"cpack -G DEB", "installs a package", "CTest package.deb"),
    (r"cmake --install", "builds and installs an out-of-tree module", "CTest out-of-tree-module"),
    (r"sloppy-table\.sh", "rewrites docs/SLOPPY_QUORUM.md's table", "CTest sweep-plan.quorum-sloppy-partition"),
    # It rewrites the docs' tables through the linked source tree, while CTest claims.check reads them.
    (r"scripts/claims\.sh", "rewrites every results table in docs/", "CTest claims.check"),
    (r"sweep-(slurm|parallel)\.sh", "needs a cluster", "CTest sweep.slurm, sweep.gnu-parallel"),
    (r"^cp -r protocols/", "edits the source tree (a recipe)", "CTest out-of-tree-module"),
]
LINKS = ["scenarios", "scripts", "tests", "docs", "sim", "protocols", "analysis", "app", "cmake", "bench",
         "CMakeLists.txt", "CMakePresets.json", "README.md"]


def blocks(path):
    """(info string, first line number, lines) of each fenced block."""
    info, start, lines, indent = None, 0, [], 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fence = re.match(r"^(\s*)```(.*)$", line)
        if fence and info is None:
            info, start, lines, indent = fence.group(2).strip(), number, [], len(fence.group(1))
        elif fence:
            yield info, start, lines
            info = None
        elif info is not None:
            lines.append(line[indent:] if line[:indent].isspace() else line)  # a block indented in a list


def run(command, cwd, env):
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def matches(expected, output):
    """Each expected line matches an output line, in order; '...' is a wildcard."""
    actual = output.splitlines()
    i = 0
    for want in expected:
        if want.strip() in ("...", ""):
            continue
        pattern = re.compile("^" + ".*".join(re.escape(part) for part in want.rstrip().split("...")) + r"\s*$")
        while i < len(actual) and not pattern.match(actual[i].rstrip()):
            i += 1
        if i == len(actual):
            return want
        i += 1
    return None


def main():
    repo, build = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
    files = [repo / "README.md"] + sorted((repo / "docs").glob("*.md"))
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="ecsim-doc-commands."))
    for name in LINKS:
        if (repo / name).exists():
            (scratch / name).symlink_to(repo / name)
    (scratch / "build").mkdir()
    (scratch / "build" / "release").symlink_to(build)
    env = dict(os.environ, PATH=f"{build / 'app'}:{os.environ['PATH']}")
    failures, ran, skipped = [], 0, []
    for path in files:
        where = path.relative_to(repo)
        for info, start, lines in blocks(path):
            text = "\n".join(lines)
            if info in ("sh", "bash"):
                reason = next((s for s in SKIP if any(re.search(s[0], l) for l in lines)), None)
                if reason:
                    skipped.append(f"{where}:{start}: {reason[1]} (covered by {reason[2]})")
                    continue
                ran += 1
                r = run("set -eo pipefail\n" + text, scratch, env)
                if r.returncode != 0:
                    failures.append(f"{where}:{start}: exit {r.returncode}\n{text}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
            elif info == "yaml" and lines and lines[0].startswith("base:") and any(l.startswith("nemesis:") for l in lines):
                ran += 1
                folder = scratch / "explore-example"
                folder.mkdir(parents=True, exist_ok=True)
                for scenario in (repo / "scenarios" / "explore").glob("*.yaml"):
                    if not (folder / scenario.name).exists():
                        (folder / scenario.name).symlink_to(scenario)
                (folder / "example.explore.yaml").write_text(text + "\n")
                r = run(f"ecsim explore {folder / 'example.explore.yaml'} --plan", scratch, env)
                if r.returncode != 0:
                    failures.append(f"{where}:{start}: the explore example does not load\n{r.stderr}")
            elif info == "yaml" and lines and lines[0].startswith("base:"):
                ran += 1
                folder = scratch / "sweep-example" / "sweeps"
                folder.mkdir(parents=True, exist_ok=True)
                for scenario in (repo / "scenarios").glob("*.yaml"):
                    link = folder.parent / scenario.name
                    if not link.exists():
                        link.symlink_to(scenario)
                (folder / "example.yaml").write_text(text + "\n")
                r = run(f"ecsim sweep {folder / 'example.yaml'} --plan --out {scratch / 'sweep-example-out'}", scratch, env)
                if r.returncode != 0:
                    failures.append(f"{where}:{start}: the sweep example does not load\n{r.stderr}")
            elif info == "":
                commands = [i for i, l in enumerate(lines) if l.startswith("$ ")]
                for k, i in enumerate(commands):
                    end = commands[k + 1] if k + 1 < len(commands) else len(lines)
                    command, expected = lines[i][2:], lines[i + 1:end]
                    ran += 1
                    r = run(command, scratch, env)
                    shows_failure = any(l.lstrip().startswith("FAIL") for l in expected)
                    if r.returncode not in ((0, 1) if shows_failure else (0,)):
                        failures.append(f"{where}:{start + 1 + i}: exit {r.returncode}: {command}\n{r.stderr[-2000:]}")
                    elif (missing := matches(expected, r.stdout)) is not None:
                        failures.append(f"{where}:{start + 1 + i}: {command}\n  output lacks: {missing}\n"
                                        f"  output was:\n{r.stdout[:3000]}")
    for s in skipped:
        print(f"not run: {s}")
    for f in failures:
        print(f"FAIL: {f}\n", file=sys.stderr)
    print(f"{ran} doc commands and examples run, {len(failures)} failed, {len(skipped)} blocks not run (listed above)")
    subprocess.run(["rm", "-rf", str(scratch)])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
