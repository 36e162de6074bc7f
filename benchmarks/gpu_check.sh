#!/usr/bin/env bash
# One check of resnet-gui on a CUDA GPU, under 8 minutes on one datacenter GPU (an NVIDIA H200):
#   1. the tests marked gpu (tests/gpu: CUDA training in the window and the CLI, bf16 autocast,
#      checkpoints across devices, the out-of-memory message);
#   2. benchmarks/throughput.py on the GPU: the seed's loop against the engine, images/s;
#   3. the seed recipe (`--preset seed`: ResNet-18, 96 px, Adam, fp32) for 5 epochs on the full Fashion-MNIST;
#   4. benchmarks/time_to_accuracy.py --preset fast-gpu (the aim: 0.94 within 10 s of training);
# printing every step's output, then a summary of the figures.
#
# usage: benchmarks/gpu_check.sh [--cpu-fallback]
#   --cpu-fallback  the same steps, much reduced, on the CPU (automatic when torch sees no CUDA GPU):
#                   proves every command line works; its figures are not GPU figures.
# The full Fashion-MNIST (FashionMNIST/raw) is read from env RESNET_GUI_DATA, else shared/datasets,
# else ../shared/datasets; the GPU machine has no internet, so carry it there. Env PYTHON picks the
# interpreter (default: python). Logs stay in a temporary folder whose path is printed at the end.
# An offline machine whose Python lacks resnet-gui's packages: benchmarks/gpu_bundle.sh packs them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
START=$SECONDS
PY=${PYTHON:-python}
MODE=gpu
for arg in "$@"; do
    case $arg in
        --cpu-fallback) MODE=cpu ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $MODE == gpu ]] && ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "No CUDA GPU visible to torch: running the CPU fallback (reduced steps; not GPU figures)."
    MODE=cpu
fi

export PYTHONUNBUFFERED=1 RESNET_GUI_OFFLINE=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
export RESNET_GUI_RUNS="$TMP/runs-tests.sqlite"  # the tests' runs, away from the user's history
trap 'rm -rf "$TMP/checkpoints"' EXIT  # the seed run's checkpoints (~130 MB); logs are kept

# --- the data -------------------------------------------------------------------------------
DATA=""
for candidate in "${RESNET_GUI_DATA:-}" shared/datasets ../shared/datasets; do
    if [[ -n $candidate ]] && "$PY" -c 'import sys; from pathlib import Path
from resnet_gui.data.datasets import fashion_mnist_present
sys.exit(0 if fashion_mnist_present(Path(sys.argv[1])) else 1)' "$candidate"; then
        DATA=$(cd "$candidate" && pwd)
        break
    fi
done
if [[ -z $DATA ]]; then
    msg="Fashion-MNIST not found (FashionMNIST/raw under \$RESNET_GUI_DATA, shared/datasets or ../shared/datasets)"
    if [[ $MODE == gpu ]]; then
        echo "error: $msg. The GPU machine has no internet: copy the data set there and set RESNET_GUI_DATA." >&2
        exit 2
    fi
    echo "warning: $msg: the throughput and time-to-accuracy steps are skipped."
fi

# --- what runs where --------------------------------------------------------------------------
if [[ $MODE == gpu ]]; then
    DEV=cuda
    # Time limits (s) per step. The last step gets what is left of DEADLINE_S (at most 300 s, at least
    # 125 s), so the whole check ends within 8 minutes however long the others take.
    LIMIT_TESTS=110 LIMIT_THROUGHPUT=120 LIMIT_SEED=100 DEADLINE_S=455
    # 9 alternating rounds of 5 warm-up + 60 timed batches of 256 at 96 px: 15,360 timed images per seed chunk.
    THROUGHPUT_ARGS=(--rounds 9 --warmup 5 --batches 60)
    SEED_ARGS=(--data-root "$DATA" --epochs 5)
else
    DEV=cpu
    LIMIT_TESTS=120 LIMIT_THROUGHPUT=150 LIMIT_SEED=240 LIMIT_TTA=150
    # 28 px, batch 64, 2 rounds of 1 + 2 batches: the command line works, the figures mean little.
    THROUGHPUT_ARGS=(--resize 0 --batch-size 64 --rounds 2 --warmup 1 --batches 2)
    # One epoch of the seed recipe (96 px ResNet-18, fp32) on the bundled sample (6,000 images).
    SEED_ARGS=(--data sample --epochs 1)
    # The fast-gpu recipe cut to one 16-channel stage for one epoch.
    TTA_ARGS=(--data-root "$DATA" --blocks 1 --channels 16 --epochs 1 --max-minutes 1.5)
fi

hr() { printf '%*s\n' 100 '' | tr ' ' '='; }
declare -A RESULT
ORDER=()

# run_step NAME LIMIT_S COMMAND...: prints a header, runs the command under `timeout`, shows and logs its output.
run_step() {
    local name=$1 limit=$2 rc=0 began=$SECONDS
    shift 2
    ORDER+=("$name")
    echo; hr
    echo "== $name ($MODE mode, time limit ${limit} s): $*"
    hr
    timeout --kill-after=15 "$limit" "$@" </dev/null 2>&1 | tee "$TMP/$name.log" || rc=$?
    local took=$((SECONDS - began))
    case $rc in
        0) RESULT[$name]="ok, ${took} s" ;;
        124 | 137) RESULT[$name]="TIMED OUT after ${limit} s" ;;
        *) RESULT[$name]="FAILED (exit ${rc}) after ${took} s" ;;
    esac
    echo "-- $name: ${RESULT[$name]}"
}

skip_step() {
    ORDER+=("$1")
    RESULT[$1]="skipped: $2"
    echo; hr; echo "== $1: skipped: $2"; hr
}

# --- the machine ------------------------------------------------------------------------------
hr
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
echo "resnet-gui GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), $MODE mode, commit $COMMIT"
if [[ $MODE == gpu ]] && command -v nvidia-smi >/dev/null; then
    nvidia-smi -L || true
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
echo "CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores"
"$PY" - <<'EOF'
import sys

import torch

print(f"python {sys.version.split()[0]}, torch {torch.__version__} (CUDA build {torch.version.cuda}), "
      f"{torch.get_num_threads()} CPU threads")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"GPU 0: {p.name}, {p.total_memory / 2**30:.0f} GiB, compute capability {p.major}.{p.minor}, "
          f"bf16 {'yes' if torch.cuda.is_bf16_supported() else 'no'}, {torch.cuda.device_count()} GPU(s) visible")
else:
    print("GPU: none visible to torch")
EOF
echo "data: ${DATA:-none}; logs: $TMP"

# --- the steps ----------------------------------------------------------------------------------
run_step gpu-tests "$LIMIT_TESTS" "$PY" -m pytest tests/gpu -m gpu -q -rs -p no:cacheprovider

if [[ -n $DATA ]]; then
    run_step throughput "$LIMIT_THROUGHPUT" "$PY" benchmarks/throughput.py --device "$DEV" --data-root "$DATA" \
        "${THROUGHPUT_ARGS[@]}"
else
    skip_step throughput "no Fashion-MNIST"
fi

run_step seed-recipe "$LIMIT_SEED" "$PY" -m resnet_gui train --preset seed --device "$DEV" "${SEED_ARGS[@]}" \
    --json --name "gpu-check seed" --runs-db "$TMP/runs.sqlite"

if [[ $MODE == gpu ]]; then
    LIMIT_TTA=$((DEADLINE_S - (SECONDS - START)))
    LIMIT_TTA=$((LIMIT_TTA > 300 ? 300 : LIMIT_TTA < 125 ? 125 : LIMIT_TTA))
    # The script stops training itself 15 s before the limit (its clock starts with the script), then reports.
    TTA_ARGS=(--data-root "$DATA" --max-minutes "$(awk -v s="$LIMIT_TTA" 'BEGIN { printf "%.2f", (s - 15) / 60 }')")
fi
if [[ -n $DATA ]]; then
    run_step time-to-accuracy "$LIMIT_TTA" "$PY" benchmarks/time_to_accuracy.py --preset fast-gpu --device "$DEV" \
        --target 0.94 "${TTA_ARGS[@]}"
else
    skip_step time-to-accuracy "no Fashion-MNIST"
fi

# --- the summary --------------------------------------------------------------------------------
SEED_DEVICE=$("$PY" -m resnet_gui runs list --json --runs-db "$TMP/runs.sqlite" 2>/dev/null |
    "$PY" -c 'import json, sys; print(", ".join(r["device"] or "?" for r in json.load(sys.stdin)) or "no run")' \
    2>/dev/null || echo "?")
echo; hr
echo "SUMMARY ($MODE mode$([[ $MODE == cpu ]] && echo ': CPU-fallback figures, not GPU figures'))"
hr
for name in "${ORDER[@]}"; do
    printf '%-18s %s\n' "$name:" "${RESULT[$name]}"
done
"$PY" - "$TMP" "$SEED_DEVICE" <<'EOF'
import json
import re
import sys
from pathlib import Path

logs, seed_device = Path(sys.argv[1]), sys.argv[2]


def lines(name: str) -> list[str]:
    path = logs / f"{name}.log"
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def last(name: str, pattern: str) -> str | None:
    found = [line for line in lines(name) if re.search(pattern, line)]
    return found[-1].strip() if found else None


print(f"{'tests:':18s} {last('gpu-tests', r'(passed|skipped|failed|error).* in [0-9.]+s') or 'no result line'}")
for pattern in (r"^torch .*device", r"^seed loop", r"^engine:", r"^per-round speedups", r"^speedup:"):
    if (found := last("throughput", pattern)) is not None:
        print(f"{'throughput:':18s} {found}")
epochs = []
for line in lines("seed-recipe"):
    if line.startswith("{"):
        try:
            epochs.append(json.loads(line))
        except json.JSONDecodeError:
            pass
if epochs:
    seconds = sum(e["seconds"] for e in epochs)
    rates = sorted(e["images_per_s"] for e in epochs)
    print(f"{'seed recipe:':18s} {len(epochs)} epoch(s) on device {seed_device}: test acc "
          + ", ".join(f"{e['test_acc']:.4f}" for e in epochs)
          + f"; final {epochs[-1]['test_acc']:.4f}; {seconds:.1f} s of training and testing;"
          f" median {rates[len(rates) // 2]:,.0f} img/s")
else:
    print(f"{'seed recipe:':18s} no epoch finished")
for pattern in (r"data loaded, model built", r"<- target reached", r"^run .* wall time", r"^time_to_",
                r"^best_test_acc"):
    if (found := last("time-to-accuracy", pattern)) is not None:
        print(f"{'time to accuracy:':18s} {found}")
loaded = last("time-to-accuracy", r"data loaded, model built")
reached = last("time-to-accuracy", r"<- target reached")
if loaded and reached:
    t0, t1 = (float(re.match(r"\[\s*([0-9.]+) s\]", x).group(1)) for x in (loaded, reached))
    print(f"{'time to accuracy:':18s} training (with each epoch's test) from data loaded to the target: "
          f"{t1 - t0:.1f} s")
EOF
echo "total wall time: $((SECONDS - START)) s; logs in $TMP"
hr
failed=0
for name in "${ORDER[@]}"; do
    [[ ${RESULT[$name]} == ok* || ${RESULT[$name]} == skipped* ]] || failed=1
done
exit $failed
