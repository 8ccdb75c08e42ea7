#!/usr/bin/env sh
# Build the smcat image with its OCI labels filled in from their one source each:
# version from pyproject.toml, revision and source from git.
#   deploy/build-image.sh REGISTRY/smcat [extra docker build options...]
# tags REGISTRY/smcat:VERSION. DOCKER=podman (or any docker-compatible CLI) to use another builder.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: deploy/build-image.sh IMAGE [docker build options...]  (e.g. deploy/build-image.sh 123456789012.dkr.ecr.us-east-1.amazonaws.com/smcat)" >&2
  exit 2
fi
image=$1
shift
cd "$(dirname "$0")/.."
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)
exec "${DOCKER:-docker}" build \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" \
  --build-arg "SOURCE_URL=$source_url" \
  --tag "$image:$version" "$@" .
