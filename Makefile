# ferry — build, test and measure.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
E2E_TIMEOUT ?= 30m

.PHONY: all build test e2e bench lint fmt clean demo

all: lint test build

## build: compile bin/ferry
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ferry ./cmd/ferry

## test: every test that needs only Go (no external servers)
test:
	$(GO) test -race -count=1 ./...

## e2e: integration tests against real servers on loopback (docker-registry, skopeo, nginx)
e2e:
	CI=$(or $(CI),) $(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) ./cmd/... ./artifacts/registrytest/... ./artifacts/maven/... ./workflow/...

## bench: Go benchmarks (planning, rendering), then prepare side by side
## with crane and skopeo on ~2 GB on a loopback registry (FERRY_BENCH_MB), then through a throttling proxy as a far registry (FERRY_BENCH_WAN_MB)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	GOBIN=$(CURDIR)/bin $(GO) install github.com/google/go-containerregistry/cmd/crane@v0.22.1
	command -v skopeo >/dev/null && test -x /usr/bin/time || (apt-get update -qq && apt-get install -y -qq skopeo time)
	CRANE=$(CURDIR)/bin/crane $(GO) test -tags bench -run TestCompareWithCraneAndSkopeo -count=1 -timeout 60m -v ./cmd/ferry/

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...

## demo: the whole journey on embedded servers, played by itself
demo:
	$(GO) run ./cmd/ferry demo --auto

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
