#!/usr/bin/env bash
# Builds adit's release: static, stripped, reproducible binaries for every
# platform, one archive per platform (tar.gz; zip for Windows), .deb and
# .rpm packages (adit-tunneld, adit-device) and a SHA256SUMS file, all in
# dist/ (or $DIST).
#
#   scripts/release.sh                      everything (make release)
#   scripts/release.sh linux/arm64 linux/armv7      only these platforms
#   scripts/release.sh --binaries-only linux/arm64  binaries, no archives
#   scripts/release.sh --archives-only              archives, packages, image and
#                                                   SHA256SUMS from binaries already in dist/
#   RELEASE_PROGRAMS="localproxy tunnelagent" scripts/release.sh linux/armv7
#
# Platforms are GOOS/ARCH with ARCH one of amd64 arm64 armv7 armv6 386
# mips mipsle riscv64. The version is $VERSION, else `git describe`, else
# "dev"; the commit and the build date come from git (the date is the
# commit's time, so two builds of one commit are byte-identical) or from
# $COMMIT and $SOURCE_DATE_EPOCH. At most $JOBS (default 2) builds run at
# once.
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICE_PLATFORMS="linux/amd64 linux/arm64 linux/armv7 linux/armv6 linux/386 linux/mips linux/mipsle linux/riscv64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
SERVER_PLATFORMS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"
PKG=github.com/adit-project/adit/internal/version

archives=1 build=1
case "${1:-}" in
  --binaries-only) archives=0; shift ;;
  --archives-only) build=0; shift ;;
esac
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || read -r -a platforms <<<"$DEVICE_PLATFORMS"

DIST=${DIST:-dist}
JOBS=${JOBS:-2}
COMMIT=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
case $VERSION in v*) ;; *) VERSION=v0.0.0-$VERSION ;; esac
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
export SOURCE_DATE_EPOCH

# programs PLATFORM: the binaries a platform gets.
programs() {
  local p=${RELEASE_PROGRAMS:-localproxy tunnelagent tunnelctl tunneld} out=""
  for prog in $p; do
    if [ "$prog" = tunneld ] && [[ " $SERVER_PLATFORMS " != *" $1 "* ]]; then continue; fi
    out+="$prog "
  done
  echo "$out"
}

# build PLATFORM PROGRAM: one binary into $DIST/adit_VERSION_OS_ARCH/.
build() {
  local os=${1%/*} arch=${1#*/} prog=$2 goarm="" gomips="" goarch
  goarch=$arch
  case $arch in
    armv7) goarch=arm goarm=7 ;;
    armv6) goarch=arm goarm=6 ;;
    mips|mipsle) gomips=softfloat ;;
  esac
  local dir="$DIST/adit_${VERSION}_${os}_${arch}" exe=""
  [ "$os" = windows ] && exe=.exe
  mkdir -p "$dir"
  CGO_ENABLED=0 GOOS=$os GOARCH=$goarch GOARM=$goarm GOMIPS=$gomips GOFLAGS= \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -buildid= -X $PKG.Version=$VERSION -X $PKG.Commit=$COMMIT -X $PKG.Date=$DATE" \
      -o "$dir/$prog$exe" "./cmd/$prog"
  echo "built $dir/$prog$exe" >&2
}

mkdir -p "$DIST"
jobs=()
for plat in "${platforms[@]}"; do
  case " $DEVICE_PLATFORMS " in *" $plat "*) ;; *) echo "unknown platform $plat" >&2; exit 2 ;; esac
  for prog in $(programs "$plat"); do jobs+=("$plat $prog"); done
done
[ "$build" = 0 ] || printf '%s\n' "${jobs[@]}" | xargs -P "$JOBS" -L 1 bash -c "$(declare -f build); VERSION=$VERSION COMMIT=$COMMIT DATE=$DATE DIST=$DIST PKG=$PKG build \"\$0\" \"\$1\""

[ "$archives" = 1 ] || exit 0
for plat in "${platforms[@]}"; do
  name="adit_${VERSION}_${plat%/*}_${plat#*/}"
  cp README.md "$DIST/$name/README.md"
  touch -d "@$SOURCE_DATE_EPOCH" "$DIST/$name" "$DIST/$name"/*
  if [ "${plat%/*}" = windows ]; then
    rm -f "$DIST/$name.zip"
    (cd "$DIST" && find "$name" -print | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$name.zip")
  else
    tar -C "$DIST" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
        --mode=u+rw,go+r,go-w --format=gnu -cf - "$name" | gzip -n -9 >"$DIST/$name.tar.gz"
  fi
done
# .deb and .rpm packages of the linux platforms built, and the OCI image of
# tunneld (packaging/main.go).
go -C packaging run . -root .. -dist "$(cd "$DIST" && pwd)" -version "$VERSION" -commit "$COMMIT"
(cd "$DIST" && find . -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.deb' -o -name '*.rpm' -o -name '*.tar' \) \
  -printf '%f\n' | LC_ALL=C sort | xargs -r sha256sum >SHA256SUMS)
echo "release $VERSION ($COMMIT, $DATE) in $DIST/" >&2
