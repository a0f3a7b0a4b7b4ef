#!/usr/bin/env bash
# Lints the page's assets, which the worker compiles into its binary (Sources/MorseWorker/Page/Assets): the
# JavaScript with Debian's eslint (its recommended rules and a few of style, all built in: the .eslintrc.json beside
# the script), the CSS with Debian's css-tree (a syntax error, an unknown property or a value its property does not
# accept is a finding), and each SVG for well-formed XML. Installs what it needs from apt, once. Exits non-zero on
# any finding, so `make lint` fails on it.
#
# Usage: scripts/lint-web.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Debian's packages, installed only when missing (nothing from npm: the registry is not reachable here).
missing=()
for package in eslint node-css-tree python3; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "lint-web: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian keeps its Node modules under /usr/share/nodejs; a Node.js not built by Debian does not look there.
export NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs${NODE_PATH:+:$NODE_PATH}

# The files git knows: tracked, plus new ones not yet committed (and not ignored), so that a new asset is linted
# before its first commit.
js=() css=() svg=()
while IFS= read -r -d '' file; do
  [[ -f "$file" ]] || continue  # tracked but deleted in the working tree
  case "$file" in
    *.js) js+=("$file") ;;
    *.css) css+=("$file") ;;
    *.svg) svg+=("$file") ;;
  esac
done < <(git ls-files -z --cached --others --exclude-standard -- Sources)

status=0
if [[ ${#js[@]} -gt 0 ]]; then
  # The unix format: the default one needs a module Debian only recommends.
  eslint --format unix --max-warnings 0 -- "${js[@]}" || status=1
fi

if [[ ${#css[@]} -gt 0 ]]; then
  node - "${css[@]}" <<'EOF' || status=1
const fs = require('fs');
const csstree = require('css-tree');
let problems = 0;
for (const file of process.argv.slice(2)) {
  const source = fs.readFileSync(file, 'utf8');
  const report = (line, column, message) => {
    problems += 1;
    console.log(`${file}:${line}:${column}: ${message}`);
  };
  // css-tree recovers from errors; a block left open at the end is no error to it.
  let depth = 0;
  csstree.tokenize(source, (type) => {
    if (type === csstree.tokenTypes.LeftCurlyBracket) depth += 1;
    if (type === csstree.tokenTypes.RightCurlyBracket) depth -= 1;
  });
  if (depth !== 0) report(1, 1, `${depth > 0 ? 'unclosed' : 'unopened'} block: { and } do not pair up`);
  const ast = csstree.parse(source, {
    positions: true,
    filename: file,
    onParseError: (error) => report(error.line, error.column, error.message),
  });
  csstree.walk(ast, (node) => {
    if (node.type === 'Declaration') {
      // A custom property holds anything; where it is used, var() cannot be checked before it is substituted.
      if (node.property.startsWith('--')) return csstree.walk.skip;
      const result = csstree.lexer.matchDeclaration(node);
      if (result.error && !/var\(\)/.test(result.error.message)) {
        report(node.loc.start.line, node.loc.start.column, `${node.property}: ${result.error.message}`);
      }
    } else if (node.type === 'Atrule' && node.prelude) {
      const result = csstree.lexer.matchAtrulePrelude(node.name, node.prelude);
      if (result.error) report(node.loc.start.line, node.loc.start.column, `@${node.name}: ${result.error.message}`);
    } else if (node.type === 'Raw') {
      report(node.loc.start.line, node.loc.start.column, `not understood: ${node.value.trim().slice(0, 40)}`);
    }
    return undefined;
  });
}
process.exit(problems ? 1 : 0);
EOF
fi

if [[ ${#svg[@]} -gt 0 ]]; then
  python3 - "${svg[@]}" <<'EOF' || status=1
import sys
from xml.dom import minidom
from xml.parsers.expat import ExpatError

bad = 0
for name in sys.argv[1:]:
    try:
        minidom.parse(name)
    except ExpatError as error:
        bad += 1
        print(f"{name}:{error.lineno}:{error.offset + 1}: not well-formed XML: {error}")
sys.exit(1 if bad else 0)
EOF
fi

if [[ $status -ne 0 ]]; then
  echo "lint-web: findings above" >&2
  exit 1
fi
echo "lint-web: ${#js[@]} JavaScript, ${#css[@]} CSS and ${#svg[@]} SVG files clean" \
  "(eslint $(eslint --version), css-tree $(node -p "require('css-tree/package.json').version"))"
