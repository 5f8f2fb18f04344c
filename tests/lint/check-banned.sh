#!/bin/sh
# tests/lint/check-banned.sh [ROOT]
#
# The ban list of STYLE.md §2 (in the manner of curl's checksrc), run as the
# meson test 'lint-banned'. Prints every offence as FILE:LINE: reason and
# exits 1 if there is any.
#
#   everywhere (lib, cli, device-sim, tests, bench):
#       sprintf vsprintf strcpy strcat gets atoi strtok alloca
#       (VLAs are caught by the compiler: -Wvla with -Werror, see meson.build)
#   lib/:   printf-family to the terminal (printf, vprintf, puts, perror, and
#           any use of stdout / stderr, so fprintf(stderr, ...) too), exit,
#           _Exit, getenv, secure_getenv: the library returns enum fwup_err
#           and only cli/ and device-sim/ talk to the user (STYLE.md §1.3)
#   lib/verifier/: malloc calloc realloc free (no heap, §5), and any include
#           outside <stdint.h> <stddef.h> <stdbool.h> <string.h>, "fwup/..."
#           or a header next to the file. The check follows quoted includes
#           transitively, so a "fwup/" header that pulls in <stdio.h> or
#           OpenSSL is caught as well.
#
# Comments and string/char literals are blanked before matching (keeping line
# numbers), so a comment that says "never call exit()" is not an offence.
# ROOT defaults to the project root; the lint self-test points it at
# tests/lint/fixtures, a fake tree full of offences, to prove this script
# actually finds them.
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 - "$root" <<'PY'
import os, re, sys

root = sys.argv[1]
SCAN_DIRS = ["lib", "cli", "device-sim", "tests", "bench"]
# The fixtures are deliberate offences for the self-test.
SKIP = {os.path.join("tests", "lint", "fixtures")}

BANNED_ALL = re.compile(r"\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|strtok|alloca)\s*\(")
BANNED_LIB = re.compile(r"\b(printf|vprintf|puts|perror|exit|_Exit|getenv|secure_getenv)\s*\(")
BANNED_LIB_STREAM = re.compile(r"\b(stdout|stderr)\b")
BANNED_VERIFIER = re.compile(r"\b(malloc|calloc|realloc|free)\s*\(")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
ALLOWED_SYS = {"stdint.h", "stddef.h", "stdbool.h", "string.h"}


def strip(text):
    """Blank comments and string/char literals, keep newlines (line numbers)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + (c if j - i >= 2 else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sources():
    for d in SCAN_DIRS:
        top = os.path.join(root, d)
        for dirpath, dirnames, filenames in os.walk(top):
            rel = os.path.relpath(dirpath, root)
            dirnames[:] = sorted(x for x in dirnames if os.path.join(rel, x) not in SKIP)
            for f in sorted(filenames):
                if f.endswith((".c", ".h")):
                    yield os.path.join(rel, f)


problems = set()


def report(path, line, why):
    problems.add((path, line, why))


def includes(path):
    """(line, kind, name) of each #include in path (raw text: the include
    line itself is not a comment)."""
    res = []
    with open(os.path.join(root, path), errors="replace") as fh:
        for no, line in enumerate(fh, 1):
            m = INCLUDE.match(line)
            if m:
                res.append((no, m.group(1), m.group(2)))
    return res


def resolve(name, from_path):
    """A quoted include: next to the including file, then lib/include."""
    for base in (os.path.dirname(from_path), os.path.join("lib", "include")):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def check_verifier_includes(path):
    # Walk the quoted-include closure of one verifier file; every header
    # reached must itself obey the verifier's include rule. An offence in a
    # header is reported at the header's own line, naming the verifier file
    # that reaches it.
    seen, todo = set(), [path]
    while todo:
        cur = todo.pop()
        if cur in seen:
            continue
        seen.add(cur)
        via = "" if cur == path else f" (reached from {path})"
        for no, kind, name in includes(cur):
            if kind == "<":
                if name not in ALLOWED_SYS:
                    report(cur, no, "lib/verifier may include only <stdint.h> <stddef.h> "
                                    f"<stdbool.h> <string.h>, found <{name}>{via}")
                continue
            target = resolve(name, cur)
            if target is None:
                report(cur, no, f"included header \"{name}\" not found{via}")
                continue
            if not (target.startswith(os.path.join("lib", "include", "fwup") + os.sep)
                    or target.startswith(os.path.join("lib", "verifier") + os.sep)):
                report(cur, no, "lib/verifier may include only \"fwup/...\" or its own "
                                f"headers, found \"{name}\"{via}")
                continue
            todo.append(target)


for path in sources():
    with open(os.path.join(root, path), errors="replace") as fh:
        code = strip(fh.read()).split("\n")
    in_lib = path.startswith("lib" + os.sep)
    in_verifier = path.startswith(os.path.join("lib", "verifier") + os.sep)
    for no, line in enumerate(code, 1):
        if line.lstrip().startswith("#"):
            continue  # preprocessor lines: includes are checked below
        for m in BANNED_ALL.finditer(line):
            report(path, no, f"banned function '{m.group(1)}' (STYLE.md §2)")
        if in_lib:
            for m in BANNED_LIB.finditer(line):
                report(path, no, f"'{m.group(1)}' in lib/: return an enum fwup_err, "
                                 f"only cli/ and device-sim/ print or exit (STYLE.md §1.3)")
            for m in BANNED_LIB_STREAM.finditer(line):
                report(path, no, f"'{m.group(1)}' in lib/: the library does not print")
        if in_verifier:
            for m in BANNED_VERIFIER.finditer(line):
                report(path, no, f"'{m.group(1)}' in lib/verifier: no heap (STYLE.md §5)")
    if in_verifier:
        check_verifier_includes(path)

for path, line, why in sorted(problems):
    print(f"{path}:{line}: {why}")
if problems:
    print(f"check-banned: {len(problems)} problem(s)")
    sys.exit(1)
print("check-banned: ok")
PY
