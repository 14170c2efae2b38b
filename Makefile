# apig-operator Makefile: the kubebuilder v4 targets, written by hand.

# DIST_IMG is the image dist/install.yaml and dist/chart name as committed: make verify
# regenerates them for it, so they never drift from config/. make build-installer IMG=...
# writes them for a release image instead.
DIST_IMG = apig-operator:latest
IMG ?= $(DIST_IMG)

# Tools and envtest binaries are cached outside the checkout, keyed by version, so a fresh
# clone on the same machine reuses them.
CACHE_DIR ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/apig-operator
TOOLS_DIR ?= $(CACHE_DIR)/tools

CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
KUSTOMIZE_VERSION ?= v5.8.1
HELM_VERSION ?= v3.22.0
PROMTOOL_VERSION ?= v0.316.0

CONTROLLER_GEN ?= $(TOOLS_DIR)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
GOLANGCI_LINT ?= $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)
KUSTOMIZE ?= $(TOOLS_DIR)/kustomize-$(KUSTOMIZE_VERSION)
HELM ?= $(TOOLS_DIR)/helm-$(HELM_VERSION)
PROMTOOL ?= $(TOOLS_DIR)/promtool-$(PROMTOOL_VERSION)

GO_TEST_FLAGS ?= -count=1 -v
# Every package that needs no API server runs with the race detector. Those that start one
# (envtest, the e2e control plane, the benchmark) run without it: they are bound by the API
# server and the processes they start, and would take several times longer.
APISERVER_PACKAGES = ./internal/controller/... ./test/e2e/... ./test/bench/... ./test/rbac/... ./test/install/...
UNIT_PACKAGES = $(shell go list ./... | grep -v -e /internal/controller -e /test/e2e -e /test/bench -e /test/rbac -e /test/install)

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen prometheus-rules ## Generate CRDs and RBAC from the API types and markers, and the PrometheusRule.
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: prometheus-rules
prometheus-rules: ## Write the PrometheusRule config/prometheus/rules.yaml from the rule file promtool tests.
	go run ./hack/prometheusrule

.PHONY: generate
generate: controller-gen ## Generate the DeepCopy methods.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	"$(GOLANGCI_LINT)" run

.PHONY: verify
verify: manifests generate dist fmt ## Regenerate, tidy, and fail if anything changed.
	go mod tidy
	@if [ -n "$$(git status --porcelain --untracked-files=all)" ]; then \
		echo "verify: the tree differs from what is committed after regenerating and tidying:"; \
		git status --porcelain --untracked-files=all; git --no-pager diff --stat; exit 1; \
	fi

.PHONY: demo
demo: ## Run the operator against the gateway simulator on a local control plane (DEMO_EXIT=1: print and exit).
	hack/demo.sh

BENCH_N ?= 1000
.PHONY: bench
bench: ## Run the scale benchmark (BENCH_N publications; BENCH_ARGS for more flags) and print the table.
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" go run ./test/bench -n $(BENCH_N) $(BENCH_ARGS)

SOAK_N ?= 500
.PHONY: soak
soak: ## Run the fault soak at full size (SOAK_N publications; make test runs it with 60).
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" SOAK_N=$(SOAK_N) go test -count=1 -v -timeout 60m ./test/e2e -ginkgo.label-filter=soak

.PHONY: envtest
envtest: ## Build (once) and print the envtest binaries directory (KUBEBUILDER_ASSETS).
	@hack/envtest.sh

.PHONY: test
test: manifests generate dist fmt vet helm kustomize promtool ## Run every test: unit (with -race), envtest controller tests, install and end-to-end.
	PROMTOOL="$(PROMTOOL)" go test $(GO_TEST_FLAGS) -race $(UNIT_PACKAGES)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" HELM="$(HELM)" KUSTOMIZE="$(KUSTOMIZE)" go test $(GO_TEST_FLAGS) $(APISERVER_PACKAGES)

.PHONY: test-unit
test-unit: promtool ## Run the tests that need no API server, with -race.
	PROMTOOL="$(PROMTOOL)" go test $(GO_TEST_FLAGS) -race $(UNIT_PACKAGES)

# Every fuzz target runs for FUZZTIME, one after the other (go test fuzzes one target per call).
# Their seeds already run in make test. -run '^$$' runs no test, so the envtest suite of
# internal/controller does not start and no target needs KUBEBUILDER_ASSETS.
FUZZTIME ?= 30s
.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 30s) each.
	@targets="$$(go test -list '^Fuzz' ./... | awk '/^Fuzz/ { names = names " " $$1 } /^(ok|\?)/ { if (names != "") print $$2 names; names = "" }')"; \
	while read -r pkg names; do \
		for name in $$names; do \
			echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
			go test "$$pkg" -run '^$$' -fuzz "^$$name\$$" -fuzztime "$(FUZZTIME)"; \
		done; \
	done <<< "$$targets"

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and apigctl (also installable as kubectl-apig).
	go build -o bin/manager ./cmd
	go build -o bin/apigctl ./cmd/apigctl

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run ./cmd

.PHONY: docker-build
docker-build: ## Build the manager image (needs a container engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: build-installer
build-installer: manifests kustomize ## Write dist/install.yaml (config/default) and the Helm chart dist/chart for the image IMG.
	go run ./hack/chartgen -image "$(IMG)" -kustomize "$(KUSTOMIZE)"

.PHONY: dist
dist: manifests kustomize ## Regenerate dist/ for DIST_IMG, as committed (make verify runs it).
	go run ./hack/chartgen -image "$(DIST_IMG)" -kustomize "$(KUSTOMIZE)"

.PHONY: install
install: manifests ## Install the CRDs into the cluster of the current kubeconfig.
	kubectl apply --server-side -k config/crd

.PHONY: uninstall
uninstall: manifests ## Remove the CRDs (and every object of the three kinds).
	kubectl delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator with config/default, using image IMG.
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=$(IMG)
	"$(KUSTOMIZE)" build config/default | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize ## Remove what deploy applied.
	"$(KUSTOMIZE)" build config/default | kubectl delete --ignore-not-found -f -

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	$(call go-install-tool,$@,sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT):
	$(call go-install-tool,$@,github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

.PHONY: kustomize
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE):
	$(call go-install-tool,$@,sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

# helm is built from its Go module: release downloads are not reachable here.
.PHONY: helm
helm: $(HELM)
$(HELM):
	$(call go-install-tool,$@,helm.sh/helm/v3/cmd/helm,$(HELM_VERSION))

# helm-path and kustomize-path print where the tool is, installing it first, for running a test
# package by hand: HELM="$$(make -s helm-path)" KUSTOMIZE="$$(make -s kustomize-path)" go test ./test/install
.PHONY: helm-path kustomize-path
helm-path: helm
	@echo "$(HELM)"
kustomize-path: kustomize
	@echo "$(KUSTOMIZE)"

# promtool is built from its Go module too; make test runs the alert rules' unit tests with it
# (test/monitoring): PROMTOOL="$$(make -s promtool-path)" go test ./test/monitoring
.PHONY: promtool promtool-path
promtool: $(PROMTOOL)
$(PROMTOOL):
	$(call go-install-tool,$@,github.com/prometheus/prometheus/cmd/promtool,$(PROMTOOL_VERSION))
promtool-path: promtool
	@echo "$(PROMTOOL)"

# go-install-tool installs a Go tool at a version into TOOLS_DIR under a versioned name.
define go-install-tool
@set -e; mkdir -p "$(TOOLS_DIR)"; tmp=$$(mktemp -d); \
echo "Installing $(2)@$(3)" >&2; \
GOBIN="$$tmp" GOFLAGS= go install $(2)@$(3); \
mv "$$tmp"/* "$(1)"; rm -rf "$$tmp"
endef
