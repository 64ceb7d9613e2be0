#!/usr/bin/env bash
# The GPU check of the training stack, for a CUDA machine where the project's dependencies are
# importable by `python3` and the project installed (pip install --no-deps -e .; PYTHONPATH alone misses eigendsl.grammar):
#
#   scripts/gpu_check.sh [OUT_DIR]
#
# OUT_DIR gets only small files, each written as soon as its step ends (logs, summaries, one
# .tgz per run); the run folders with their checkpoints go to $WORK (default /tmp/gpu_check).
#
# 1. the training tests (SFT, GRPO, rollouts, evaluation) with the GPU visible;
# 2. `eigendsl train specs/retail` on the embedded defaults (its summary: OUT_DIR/defaults.json);
# 3. with MORE=1, then the same run with four times the synthesized dialogues
#    (OUT_DIR/more_data.json): what the embedded model reaches when SFT is not held to a CPU's
#    15 minutes.
# Each run's stage results, evaluation episodes and trainer logs: OUT_DIR/<run>.tgz.
# QUICK=1 shrinks everything to seconds (a rehearsal on a CPU).
set -uo pipefail
out=${1:-runs/gpu_check}
work=${WORK:-/tmp/gpu_check}
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} TOKENIZERS_PARALLELISM=false

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$py" -c 'import torch, transformers, trl; print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
"transformers", transformers.__version__, "trl", trl.__version__)'

if [ "${QUICK:-0}" = 1 ]; then
    tests=(tests/test_train_rl.py -k "reward or garbage")
    sizes=(--model micro --generations 1 --per-generation 12 --sft-epochs 1 --grpo-steps 1 --trials 1)
    more=(--per-generation 24)
else
    tests=(tests/test_train_model.py tests/test_train_rl.py)
    sizes=()
    more=(--per-generation 600)
fi

start=$SECONDS
# the whole log: a failure's reason is in its middle, not in the summary at the end
timeout "${TEST_TIMEOUT:-200}" "$py" -m pytest -q -p no:cacheprovider "${tests[@]}" >"$out/tests.log" 2>&1
tail -n 25 "$out/tests.log"
echo "tests: $((SECONDS - start)) s"

runs=(defaults)
[ "${MORE:-0}" = 1 ] && runs+=(more_data)
for name in "${runs[@]}"; do
    start=$SECONDS
    options=()
    [ "$name" = more_data ] && options=("${more[@]}")
    timeout "${TRAIN_TIMEOUT:-420}" "$py" -m eigendsl.cli train specs/retail --out "$work/$name" --json \
        "${sizes[@]}" "${options[@]}" >"$out/$name.json" 2>"$out/$name.log"
    echo "$name: exit $? after $((SECONDS - start)) s"
    (cd "$work" && tar czf "$out/$name.tgz" --ignore-failed-read "$name/stages" "$name/report.md" "$name/eval" \
        "$name/grpo/rollout_log.jsonl" "$name"/*/checkpoint-*/trainer_state.json 2>/dev/null)
done
for name in "${runs[@]}"; do
    echo "== $name"
    "$py" - "$out/$name.json" <<'EOF' || tail -n 15 "$out/$name.log"
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])  # --json: the last line
for stage in ("base", "sft", "grpo"):
    r = s[stage]
    print(f"{stage:5s} pass^1 {r['pass_hat_1']:.3f} pass^k {r['pass_hat_k']} mean {r.get('mean_score', 0):.3f}")
print("seconds", s["seconds_per_stage"])
EOF
done
