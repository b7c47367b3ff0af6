#!/usr/bin/env bash
# Idempotent set-up for `make setup` / `make run` / `make test`:
#   1. find Python 3.10 (PATH, then pyenv); say what to install when there is none
#   2. create .venv and install the exact pins of requirements.lock in one resolver run
#   3. build the blank spaCy pipeline the NLU config uses (nothing is downloaded)
#   4. train the model when none exists for the current config, domain and data (hash-keyed)
#   5. bring the database (DATABASE_URL, or SQLite in DATA_DIR) up to the newest migration
# Each step does nothing when its result is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

is_py310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.10 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && is_py310 "$(command -v "$candidate")"; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10*/bin/python3; do
      if [ -x "$candidate" ] && is_py310 "$candidate"; then echo "$candidate"; return 0; fi
    done
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! is_py310 .venv/bin/python; then
  if ! PY=$(find_python); then
    cat >&2 <<'MSG'
[setup] Python 3.10 is required (Rasa Open Source 3.6 runs on 3.8-3.10) and none was found.
        Install it, then run the command again, for example:
          pyenv install 3.10.13            # with pyenv
          sudo apt-get install python3.10 python3.10-venv   # on Debian/Ubuntu with 3.10 packages
        or point PYTHON at one:  make setup PYTHON=/path/to/python3.10
MSG
    exit 1
  fi
  say "creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi

lock_hash=$(sha256sum requirements.lock | cut -c1-16)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$lock_hash" ]; then
  say "installing pinned dependencies (requirements.lock)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==24.0"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip check
  echo "$lock_hash" > .venv/.installed
fi

if [ ! -f build/spacy-xx/meta.json ]; then
  say "building the blank multi-language spaCy pipeline (build/spacy-xx)"
  mkdir -p build && TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python -c "import spacy; spacy.blank('xx').to_disk('build/spacy-xx')"
fi

# Training data: nlu_data/ (rules, language-neutral examples) and each language folder's nlu.yml
# (a language is a folder of locales/ with a messages.yml: bot.settings.language_folders).
language_nlu=$(for dir in locales/*/; do [ -f "$dir/messages.yml" ] && [ -f "$dir/nlu.yml" ] && echo "${dir}nlu.yml"; done | LC_ALL=C sort)
# The code that shapes what the model learns is part of the key too (its features and its fit).
model_code="bot/text_fold.py bot/folding_tokenizer.py bot/intent_classifier.py"
model_hash=$(cat config.yml domain.yml requirements.lock $model_code $(find nlu_data -name '*.yml' | LC_ALL=C sort) $language_nlu | sha256sum | cut -c1-16)
model="model-$model_hash"
# Trained models are also kept outside the clone, keyed by the same hash, so a fresh clone on
# this machine (CI included) reuses them instead of training again.
cache="${MODEL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ocsea-helper/models}"
mkdir -p models "$cache"
if [ ! -f "models/$model.tar.gz" ] && [ -f "$cache/$model.tar.gz" ]; then
  say "reusing the cached model ($model)"
  cp "$cache/$model.tar.gz" "models/$model.tar.gz"
fi
if [ ! -f "models/$model.tar.gz" ]; then
  say "training the model ($model); this takes about three minutes on 2 cores"
  start=$(date +%s)
  RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/rasa train \
    --config config.yml --domain domain.yml --data nlu_data $language_nlu \
    --out models --fixed-model-name "$model" --quiet
  say "trained in $(( $(date +%s) - start )) s"
fi
if [ ! -f "$cache/$model.tar.gz" ]; then
  cp "models/$model.tar.gz" "$cache/$model.tar.gz.tmp" && mv "$cache/$model.tar.gz.tmp" "$cache/$model.tar.gz"
fi
echo "$model.tar.gz" > models/current
# keep the current model and the two before it, here and in the cache
for dir in models "$cache"; do
  { ls -t "$dir"/model-*.tar.gz 2>/dev/null || true; } | tail -n +4 | xargs -r rm -f
done

schema=$(.venv/bin/python -m bot db upgrade | tail -n 1) || { echo "[setup] the database could not be upgraded: is DATABASE_URL right and the server up?" >&2; exit 1; }
say "$schema"
