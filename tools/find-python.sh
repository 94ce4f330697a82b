#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter that really runs.
# Order: python3.14, python3.13, python3.12, python3 on PATH (a pyenv shim that is not
# selected fails its check and is skipped), then pyenv's installed versions, newest first.
set -u
works() { "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for name in python3.14 python3.13 python3.12 python3; do
  path=$(command -v "$name" 2>/dev/null) || continue
  if works "$path"; then echo "$path"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
if [ -d "$root/versions" ]; then
  for version in $(ls "$root/versions" | grep -E '^3\.(1[2-9]|[2-9][0-9])\.[0-9]+$' | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
    path="$root/versions/$version/bin/python3"
    if works "$path"; then echo "$path"; exit 0; fi
  done
fi
echo "error: style-curator needs Python 3.12 or newer, and none was found on PATH (python3.14, python3.13, python3.12, python3) or under $root/versions. Install one (e.g. 'pyenv install 3.12') and run make again." >&2
exit 1
