# Coprosec — every target pins the Go toolchain PocketBase v0.40 needs.
export GOTOOLCHAIN := go1.27.3

BIN      ?= ./coprosec
DATA_DIR ?= pb_data
HTTP     ?= 127.0.0.1:8090
SHARED   ?= ../shared/data/benin
FUZZTIME ?= 5s

.PHONY: run build test test-go test-e2e node-deps vendor vendor-check fuzz-short bench vet clean

## run: build and serve on 127.0.0.1:8090 with the demo data (and the real boundaries when ../shared is present)
run: build
	@if [ -f "$(SHARED)/arrondissements.geojson" ]; then \
		$(BIN) --dir=$(DATA_DIR) geo import $(SHARED)/departements.geojson $(SHARED)/communes.geojson $(SHARED)/arrondissements.geojson; \
	else echo "note: $(SHARED) not found, serving without polygons (run '$(BIN) geo import FILE' later)"; fi
	$(BIN) serve --dir=$(DATA_DIR) --http=$(HTTP) --demo

build:
	go build -o $(BIN) .

## test: vet, unit and integration tests (with the npm jose and pocketbase SDK checks), short fuzz runs, browser tests
test: vet node-deps vendor-check test-go fuzz-short test-e2e

## node-deps: npm packages of the Node checks, from their lock files
node-deps:
	cd interop && npm ci --no-audit --no-fund
	cd sdk && npm ci --no-audit --no-fund
	cd e2e && npm ci --no-audit --no-fund
	cd web && npm ci --no-audit --no-fund

## vendor: copy the pinned front-end libraries (web/package-lock.json) into pb_public/vendor/
vendor:
	cd web && npm ci --no-audit --no-fund && node copy-vendor.mjs
	node e2e/shell-version.mjs --write

## vendor-check: the committed pb_public/vendor/ is what web/package-lock.json pins, and sw.js lists every file
vendor-check:
	cd web && node copy-vendor.mjs --check
	node e2e/shell-version.mjs

## test-e2e: the field app in Debian's Chromium (apt-get install -y chromium)
test-e2e:
	cd e2e && node run.mjs

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

test-go:
	go test -count=1 ./...

fuzz-short:
	go test ./internal/geo -run '^$$' -fuzz '^FuzzReadGeoJSON$$' -fuzztime $(FUZZTIME)
	go test ./internal/receipts -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME)
	go test ./internal/receipts -run '^$$' -fuzz '^FuzzParseJWKS$$' -fuzztime $(FUZZTIME)
	go test ./internal/syncproto -run '^$$' -fuzz '^FuzzParseRequest$$' -fuzztime $(FUZZTIME)
	go test ./internal/syncproto -run '^$$' -fuzz '^FuzzDecodeCursor$$' -fuzztime $(FUZZTIME)
	go test ./internal/syncproto -run '^$$' -fuzz '^FuzzParseLimit$$' -fuzztime $(FUZZTIME)
	go test ./hooks -run '^$$' -fuzz '^FuzzSyncPushHTTP$$' -fuzztime $(FUZZTIME)
	go test ./hooks -run '^$$' -fuzz '^FuzzSyncPullHTTP$$' -fuzztime $(FUZZTIME)

## bench: the benchmarks quoted in docs/BENCHMARKS.md
bench:
	go test ./internal/geo -run '^$$' -bench . -benchmem -count 3

clean:
	rm -rf $(BIN) $(DATA_DIR)
