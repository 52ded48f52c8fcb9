#!/usr/bin/env bash
# Checks that README.md and docs/*.md point only at files of this repository:
#   - Markdown links [text](path) resolve (relative to the document) to a file
#     or directory that exists inside the repository;
#   - inline-code paths whose first segment is a top-level directory of the
#     repository (`protocols/gossip/config.cpp`, `scripts/test.sh`, `sim/`)
#     exist; a glob (`tests/test_*.cpp`) must match something; placeholders
#     with <...> or {...} are skipped;
#   - no path in inline code or plain text starts with ../ (outside the
#     repository);
#   - every *.md name mentioned anywhere in the text (SESSIONS.md,
#     docs/SAGAS.md) exists next to the document or at the repository root;
#   - a code block right after a line `<!-- from: path/to/file -->` is a
#     verbatim excerpt of that file: its lines appear in the file as they are,
#     consecutively (a line `// ...` marks an elision between such runs).
# Fenced code blocks are not checked (they hold examples: sweep files name
# scenarios relative to themselves, cluster paths, ...). URLs are skipped.
# Usage: tests/scripts/check-docs-links.sh [REPO_ROOT]; exit 1 lists the problems.
set -euo pipefail
root="$(cd "${1:-$(dirname "$0")/../..}" && pwd -P)"
cd "$root"

# Top-level directories of the repository (what a repository path starts
# with): the tracked ones, so that build/ and out/ never count.
top_dirs=" "
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  top_dirs+="$(git ls-files | sed -n 's|/.*||p' | sort -u | tr '\n' ' ')"
else
  # Not a git checkout (an exported tree): every folder but the generated ones.
  for d in */ .ci/; do
    case "${d%/}" in build | out) continue ;; esac
    [ -d "$d" ] && top_dirs+="${d%/} "
  done
fi

status=0
problem() {  # file, line, message
  echo "$1:$2: $3" >&2
  status=1
}

# Prints "line<TAB>kind<TAB>token" for every reference in one Markdown file.
extract() {
  awk '
    /^[ \t]*(```|~~~)/ { fenced = !fenced; next }
    fenced { next }
    {
      line = $0
      # Markdown links: [text](target "title") and reference definitions [x]: target
      rest = line
      while (match(rest, /\]\([^)]+\)/)) {
        target = substr(rest, RSTART + 2, RLENGTH - 3)
        sub(/[ \t].*$/, "", target)
        print NR "\tlink\t" target
        rest = substr(rest, RSTART + RLENGTH)
      }
      if (match(line, /^[ \t]*\[[^]]+\]:[ \t]+[^ \t]+/)) {
        target = line
        sub(/^[ \t]*\[[^]]+\]:[ \t]+/, "", target)
        sub(/[ \t].*$/, "", target)
        print NR "\tlink\t" target
      }
      # Inline code: every word of the span
      rest = line
      while (match(rest, /`[^`]+`/)) {
        span = substr(rest, RSTART + 1, RLENGTH - 2)
        n = split(span, words, /[ \t]+/)
        for (i = 1; i <= n; i++) if (words[i] != "") print NR "\tcode\t" words[i]
        rest = substr(rest, RSTART + RLENGTH)
      }
      # *.md names in the text (outside URLs and link targets)
      text = line
      gsub(/https?:\/\/[^ )>]+/, "", text)
      gsub(/\]\([^)]+\)/, "]", text)
      # ../ in plain text (outside code spans and link targets)
      plain = text
      gsub(/`[^`]+`/, "", plain)
      while (match(plain, /(^|[^A-Za-z0-9_.\/-])\.\.\/[^ \t)>,;]*/)) {
        up = substr(plain, RSTART, RLENGTH)
        sub(/^[^.]/, "", up)
        print NR "\tup\t" up
        plain = substr(plain, RSTART + RLENGTH)
      }
      while (match(text, /[A-Za-z0-9_.\/-]*[A-Za-z0-9_]\.md([^A-Za-z0-9_]|$)/)) {
        name = substr(text, RSTART, RLENGTH)
        sub(/[^A-Za-z0-9_]$/, "", name)
        print NR "\tmd\t" name
        text = substr(text, RSTART + RLENGTH)
      }
    }
  ' "$1"
}

inside_repo() {  # absolute-or-relative path -> 0 when it resolves inside $root
  local p
  p="$(realpath -m -- "$1")"
  [[ "$p" == "$root" || "$p" == "$root"/* ]]
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Splits the excerpts of one document into $tmp/<n> (lines, fence indentation
# removed) and prints "n<TAB>line<TAB>source" for each.
excerpts() {
  awk -v tmp="$tmp" '
    match($0, /<!-- from: [^ ]+ -->/) {
      src = substr($0, RSTART + 11, RLENGTH - 15); want = NR; next
    }
    want && /^[ \t]*```/ && !inblock {
      indent = match($0, /[^ \t]/) - 1; inblock = 1; n++; file = tmp "/" n; start = want; want = 0
      printf "" > file; next
    }
    inblock && /^[ \t]*```[ \t]*$/ { inblock = 0; close(file); print n "\t" start "\t" src; next }
    inblock {
      line = $0
      if (substr(line, 1, indent) ~ /^[ \t]*$/) line = substr(line, indent + 1)
      print line > file; next
    }
    want { print "0\t" want "\t" src; want = 0 }  # a marker without a code block
  ' "$1"
}

# 0 when the lines of excerpt $1 appear in file $2 in order, each run between
# `// ...` lines consecutively; otherwise prints the first line not found.
excerpt_matches() {
  awk '
    NR == FNR { ex[++m] = $0; next }
    { src[++n] = $0 }
    END {
      pos = 1; i = 1
      while (i <= m) {
        if (ex[i] ~ /^[ \t]*\/\/ \.\.\.[ \t]*$/) { i++; continue }
        len = 0
        while (i + len <= m && ex[i + len] !~ /^[ \t]*\/\/ \.\.\.[ \t]*$/) len++
        found = 0
        for (s = pos; s + len - 1 <= n && !found; s++) {
          ok = 1
          for (k = 0; k < len && ok; k++) if (src[s + k] != ex[i + k]) ok = 0
          if (ok) { found = 1; pos = s + len }
        }
        if (!found) {
          # Name the first line of the run that the file does not have at all, or the run.
          for (k = 0; k < len; k++) {
            hit = 0
            for (s = 1; s <= n && !hit; s++) if (src[s] == ex[i + k]) hit = 1
            if (!hit) { print ex[i + k]; exit 1 }
          }
          print ex[i] " (and the lines after it are not consecutive in the file)"; exit 1
        }
        i += len
      }
    }
  ' "$1" "$2"
}

for doc in README.md docs/*.md; do
  dir="$(dirname "$doc")"
  while IFS=$'\t' read -r n line src; do
    if [ "$n" = 0 ]; then
      problem "$doc" "$line" "'<!-- from: $src -->' is not followed by a code block"
    elif [ ! -f "$src" ]; then
      problem "$doc" "$line" "excerpt from '$src': no such file in the repository"
    elif ! missing="$(excerpt_matches "$tmp/$n" "$src")"; then
      problem "$doc" "$line" "excerpt no longer matches $src: $missing"
    fi
  done < <(excerpts "$doc")

  while IFS=$'\t' read -r line kind token; do
    case "$kind" in
      link)
        case "$token" in
          http://* | https://* | mailto:* | '#'*) continue ;;
        esac
        path="${token%%#*}"
        [ -z "$path" ] && continue
        if ! inside_repo "$dir/$path"; then
          problem "$doc" "$line" "link to '$token' leaves the repository"
        elif [ ! -e "$dir/$path" ]; then
          problem "$doc" "$line" "link to '$token': no such file in the repository"
        fi
        ;;
      code)
        # Trim punctuation around a word ("(sim/scenario.hpp)," -> sim/scenario.hpp).
        word="${token#\(}"
        word="${word%%[,;)]*}"
        word="${word%.}"
        word="${word%%#*}"
        [[ "$word" =~ ^(.*):[0-9]+(-[0-9]+)?$ ]] && word="${BASH_REMATCH[1]}"  # file:line
        case "$word" in
          ../*) problem "$doc" "$line" "'$word' points outside the repository"; continue ;;
          */*) ;;
          *) continue ;;
        esac
        case "$word" in
          *'<'* | *'{'* | *'...'* | *'…'* | *'$'*) continue ;;  # placeholders
        esac
        first="${word%%/*}"
        [[ "$top_dirs" == *" $first "* ]] || continue
        if [[ "$word" == *'*'* || "$word" == *'?'* || "$word" == *'['* ]]; then
          compgen -G "$word" >/dev/null || problem "$doc" "$line" "'$word' matches no file in the repository"
        elif [ ! -e "$word" ]; then
          problem "$doc" "$line" "'$word' does not exist in the repository"
        fi
        ;;
      up) problem "$doc" "$line" "'$token' points outside the repository" ;;
      md)
        [[ "$token" == ../* ]] && { problem "$doc" "$line" "'$token' points outside the repository"; continue; }
        if [ -e "$dir/$token" ] && inside_repo "$dir/$token"; then continue; fi
        [ -e "$token" ] && continue
        problem "$doc" "$line" "'$token' is not a file of this repository"
        ;;
    esac
  done < <(extract "$doc")
done
if ((status)); then
  echo "check-docs-links: README.md or docs/*.md: fix the references above" >&2
fi
exit $status
