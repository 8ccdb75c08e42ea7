#!/usr/bin/env sh
# Regenerate the Docker image's hash-locked requirements from pyproject.toml:
#   requirements.lock        the runtime dependencies ([project] dependencies), for Python 3.11
#   requirements-build.lock  the build backend ([build-system] requires), for `pip install --no-build-isolation .`
# Run after changing either list (tests/resolver/test_dockerfile.py fails until you do):
#   pip install uv && deploy/lock-requirements.sh
set -eu
cd "$(dirname "$0")/.."
UV="${UV:-uv}"
"$UV" pip compile pyproject.toml --no-config --universal --python-version 3.11 --generate-hashes \
  --custom-compile-command "deploy/lock-requirements.sh" --output-file requirements.lock
python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
  | "$UV" pip compile - --no-config --universal --python-version 3.11 --generate-hashes \
      --custom-compile-command "deploy/lock-requirements.sh" --output-file requirements-build.lock
