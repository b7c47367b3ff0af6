"""Intent macro F1 per language in k-fold cross-validation, with a per-intent table.

Runs Rasa's own cross-validation (`rasa test nlu --cross-validation`) on the shipped config and
data, asks it for every test example's prediction, and splits the figures by language (an
example's language is the folder its file is in: locales/<lang>/nlu.yml). Slow: it trains the
model once per fold (about 5 x 3 minutes on 2 cores).

    .venv/bin/python bench/nlu_cv.py --folds 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.languages import nlu_files  # noqa: E402
from bot.yaml_files import read_yaml  # noqa: E402


def languages_of_examples() -> dict[str, str]:
    """Example text -> language, from the file each example is written in."""
    found: dict[str, str] = {}
    for path in nlu_files():
        lang = path.parent.name
        for block in read_yaml(path)["nlu"]:
            for line in block.get("examples", "").splitlines():
                if line.startswith("- "):
                    found[line[2:].strip()] = lang
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default=None, help="keep Rasa's reports here")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="nlu-cv-"))
    data = Path(tempfile.mkdtemp(prefix="nlu-cv-data-"))  # every language's examples, one file each
    for path in nlu_files():
        shutil.copy(path, data / f"{path.parent.name}.yml")
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "test", "nlu", "--nlu", str(data), "--config", str(ROOT / "config.yml"),
         "--cross-validation", "--folds", str(args.folds), "--out", str(out), "--successes", "--quiet"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    rows = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            rows += json.loads(path.read_text(encoding="utf-8"))
    language = languages_of_examples()
    by_lang: dict[str, tuple[list[str], list[str]]] = {}
    for row in rows:
        lang = language.get(row["text"].strip(), "other")
        truth, pred = by_lang.setdefault(lang, ([], []))
        truth.append(row["intent"])
        pred.append((row.get("intent_prediction") or {}).get("name") or "nlu_fallback")
    print(f"{args.folds}-fold cross-validation, {len(rows)} test predictions")
    for lang, (truth, pred) in sorted(by_lang.items()):
        labels = sorted(set(truth))
        macro = f1_score(truth, pred, labels=labels, average="macro", zero_division=0)
        weighted = f1_score(truth, pred, labels=labels, average="weighted", zero_division=0)
        print(f"\n{lang}: {len(truth)} examples, intent macro F1 {macro:.3f}, weighted F1 {weighted:.3f}")
        precision, recall, f1, support = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
        print(f"  {'intent':24} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
        for i, label in enumerate(labels):
            print(f"  {label:24} {precision[i]:9.3f} {recall[i]:7.3f} {f1[i]:6.3f} {support[i]:4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
