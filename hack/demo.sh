#!/usr/bin/env bash
# make demo: the operator against the gateway simulator on a local control plane, with the
# samples applied. No cluster, cloud account or Docker needed. DEMO_EXIT=1 exits after printing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${DEMO_DIR:-$PWD/.demo}
SIM_ADDR=${SIM_ADDR:-127.0.0.1:18080}   # the endpoint in config/samples/publishing_v1alpha1_apigateway*.yaml
export KUBECONFIG=$DEMO_DIR/kubeconfig

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    step "Stopping the manager, the simulator and the control plane"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for runs a command until it succeeds, up to a timeout in seconds, and gives up early
# when the process it waits for (the last one started) has exited.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout)) pid=${pids[${#pids[@]} - 1]}
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "Failed to start $what" >&2; return 1; fi
    if ((SECONDS >= deadline)); then echo "Timed out after ${timeout}s waiting for $what" >&2; return 1; fi
    sleep 0.5
  done
}

mkdir -p "$DEMO_DIR"
rm -f "$KUBECONFIG"

step "Building the manager, the simulator and the control-plane launcher"
go build -o bin/manager ./cmd
go build -o bin/gatewaysim ./cmd/gatewaysim
go build -o bin/controlplane ./hack/controlplane

step "Preparing etcd, kube-apiserver and kubectl (built from Go modules on first use)"
KUBEBUILDER_ASSETS=$(hack/envtest.sh)
export KUBEBUILDER_ASSETS
export PATH=$KUBEBUILDER_ASSETS:$PATH

step "Starting the local control plane"
bin/controlplane --write-kubeconfig "$KUBECONFIG" >"$DEMO_DIR/controlplane.log" 2>&1 &
pids+=($!)
wait_for "the control plane (see $DEMO_DIR/controlplane.log)" 120 test -s "$KUBECONFIG"
kubectl version 2>/dev/null | sed 's/^/    /' || true

step "Starting the gateway simulator on $SIM_ADDR"
if curl -s -o /dev/null "http://$SIM_ADDR/_sim/stats"; then
  echo "Something already listens on $SIM_ADDR; stop it or set SIM_ADDR and the samples' endpoint." >&2
  exit 1
fi
bin/gatewaysim --listen "$SIM_ADDR" --seed config/samples/gatewaysim-seed.yaml >"$DEMO_DIR/gatewaysim.log" 2>&1 &
pids+=($!)
wait_for "the simulator (see $DEMO_DIR/gatewaysim.log)" 30 curl -sf "http://$SIM_ADDR/_sim/stats"

step "Installing the CRDs"
kubectl apply --server-side -k config/crd
kubectl wait --for=condition=Established --timeout=60s crd \
  apigateways.publishing.apig-operator.dev apipublications.publishing.apig-operator.dev apiexports.publishing.apig-operator.dev >/dev/null

step "Starting the manager (log: $DEMO_DIR/manager.log)"
bin/manager --kubeconfig "$KUBECONFIG" --metrics-bind-address=0 --health-probe-bind-address=0 \
  --allowed-endpoints=127.0.0.1 --insecure-allow-http >"$DEMO_DIR/manager.log" 2>&1 &
pids+=($!)

step "Applying config/samples"
kubectl apply -k config/samples

step "Waiting for the gateways and publications to be Ready"
kubectl -n apig-demo wait --for=condition=Ready --timeout=120s apigateway --all
kubectl -n apig-demo wait --for=condition=Ready --timeout=120s apipublication --all
kubectl -n apig-demo wait --for=condition=Ready --timeout=120s apiexport --all

step "kubectl get apig -A"
kubectl get apig -A

step "What the simulator publishes"
bin/gatewaysim --show "http://$SIM_ADDR"

step "The exported document (ConfigMap apig-demo/shop-openapi, first 25 lines)"
doc=$(kubectl -n apig-demo get configmap shop-openapi -o jsonpath='{.data.openapi\.yaml}')
sed -n '1,25p' <<<"$doc"

cat <<MSG

The demo is running. In another shell:
    export KUBECONFIG=$KUBECONFIG
    export PATH=$KUBEBUILDER_ASSETS:\$PATH     # the kubectl the demo uses
    kubectl get apig -A
    kubectl explain apipublication.spec
    $PWD/bin/gatewaysim --show http://$SIM_ADDR
Logs are in $DEMO_DIR.
MSG

if [ "${DEMO_EXIT:-0}" = 1 ]; then
  exit 0
fi
step "Press Ctrl-C to stop"
wait "${pids[0]}"
