#!/usr/bin/env bash
# Builds the envtest binaries (etcd, kube-apiserver, kubectl) from Go modules, because release
# downloads are not reachable here, and caches them outside the checkout keyed by version.
# Prints the directory to use as KUBEBUILDER_ASSETS. A warm cache returns in well under a second.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-1.36.3}
ETCD_VERSION=${ETCD_VERSION:-3.6.8}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/apig-operator
# Bump BUILD_REV when the way the binaries are built changes, so stale caches are not reused.
BUILD_REV=2
ASSETS=$CACHE/envtest/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-r$BUILD_REV

have() { [ -x "$ASSETS/etcd" ] && [ -x "$ASSETS/kube-apiserver" ] && [ -x "$ASSETS/kubectl" ]; }
if have; then
  echo "$ASSETS"
  exit 0
fi

log() { echo "envtest: $*" >&2; }
mkdir -p "$ASSETS"
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

# kube-apiserver and kubectl: k8s.io/kubernetes pins its staging modules with relative
# replace directives, which do not survive being a dependency; point each at its v0.x release.
kube_src=$CACHE/src/kubernetes-$KUBE_VERSION
if [ ! -x "$ASSETS/kube-apiserver" ] || [ ! -x "$ASSETS/kubectl" ]; then
  log "building kube-apiserver and kubectl v$KUBE_VERSION from Go modules (several minutes the first time)"
  mkdir -p "$kube_src"
  cd "$kube_src"
  staging_ver=0.${KUBE_VERSION#1.}
  upstream_mod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  {
    echo "module envtestbuild"
    echo
    echo "go 1.25"
    echo
    grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_mod" |
      awk -v v="$staging_ver" '{print "replace " $1 " => " $1 " v" v}'
  } >go.mod
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go get "k8s.io/kubernetes@v$KUBE_VERSION" >&2
  go mod tidy >&2
  # Stamp the version, as the release build does, so discovery and kubectl version report it.
  major=${KUBE_VERSION%%.*}
  minor=${KUBE_VERSION#*.}
  minor=${minor%%.*}
  ldflags="-s"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  go build -trimpath -ldflags="$ldflags" -o "$ASSETS/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  go build -trimpath -ldflags="$ldflags" -o "$ASSETS/kubectl" k8s.io/kubernetes/cmd/kubectl
fi

# etcd: the server module's etcdmain is the whole binary.
etcd_src=$CACHE/src/etcd-$ETCD_VERSION
if [ ! -x "$ASSETS/etcd" ]; then
  log "building etcd v$ETCD_VERSION from Go modules"
  mkdir -p "$etcd_src"
  cd "$etcd_src"
  printf 'module etcdbuild\n\ngo 1.25\n' >go.mod
  cat >main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go mod tidy >&2
  go build -trimpath -ldflags=-s -o "$ASSETS/etcd" .
fi

have || { log "build finished but binaries are missing in $ASSETS"; exit 1; }
echo "$ASSETS"
