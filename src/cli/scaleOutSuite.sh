#!/usr/bin/env bash
# train_i3.py on the 2-GPU machine (docs/scale-out.md): the carried i3-tiny bundle and shards,
# continued on 1 GPU, then on 2 GPUs (DDP over NCCL), at a small and a large per-GPU batch, and
# last the large batch on 2 GPUs in bf16; for each run the tokens/s (median step after warm-up)
# and the first losses, then the 2-GPU speed-up per batch.
# Inputs, made HERE by src/cli/scaleOutPrep.ts: $IN/bundle/ and $IN/shards.zip (carry $IN).
# Output: $OUT/{env.txt, <run>.log, summary.txt, continued-2gpu.zip (the bundle the 2-GPU run wrote)}.
#   OUT=/tmp/so bash src/cli/scaleOutSuite.sh      (env: IN, STEPS, BATCHES, PRECISION, DEADLINE)
# Local smoke run (CPU, gloo): LOCAL=1 PYTHON=/usr/bin/python3 IN=… STEPS=3 BATCHES=4 OUT=… bash …
set -u
IN=${IN:-out/scaleout}
STEPS=${STEPS:-150}
BATCHES=${BATCHES:-"16 64"}
LARGEST=${BATCHES##* }
DEADLINE=${DEADLINE:-520}
OUT=${OUT:?set OUT to the output folder}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
# NVLink multicast stays off (KINDS.md): it can take the host's shared GPUs down.
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
[ -f "$IN/bundle/train_i3.py" ] && [ -f "$IN/shards.zip" ] ||
  { echo "missing $IN/bundle/ or $IN/shards.zip: make them with src/cli/scaleOutPrep.ts and carry $IN" >&2; exit 1; }

if [ -n "${LOCAL:-}" ]; then
  DEVICE=cpu
  PRECISION=${PRECISION:-fp32}
  # torch 1.13 on Python 3.11 cannot parse torchrun's default "0" for these two (IntFlag iteration
  # skips zero): redirect and echo stderr only, which leaves stdout as it is.
  LAUNCH_EXTRA=(--redirects 2 --tee 2)
else
  DEVICE=cuda
  PRECISION=${PRECISION:-tf32}
  LAUNCH_EXTRA=()
fi

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  "$PY" -c 'import torch; print("torch", torch.__version__, "cuda devices", torch.cuda.device_count())' 2>&1
  env | grep -E '^(NCCL_NVLS_ENABLE|TORCH_SYMM_MEM_DISABLE_MULTICAST|NVSHMEM_DISABLE_NVLS)='
} > "$OUT/env.txt"
cat "$OUT/env.txt"

# run NAME PROCS BATCH [train_i3.py flags…]: the full log to $OUT/NAME.log, a digest on stdout.
run() {
  local name=$1 procs=$2 batch=$3; shift 3
  local left=$((DEADLINE - SECONDS))
  if [ "$left" -lt 40 ]; then echo "## $name: not run (suite deadline)" | tee -a "$OUT/summary.txt"; return; fi
  echo "## $name: $procs process(es), batch $batch per process, $STEPS steps (limit ${left}s)"
  timeout -k 5 "$left" "$PY" -m torch.distributed.run --standalone --nproc_per_node "$procs" "${LAUNCH_EXTRA[@]}" \
    "$IN/bundle/train_i3.py" --bundle "$IN/bundle" --data "$IN/shards.zip" --steps "$STEPS" \
    --batch "$batch" --device "$DEVICE" --precision "$PRECISION" --out "/tmp/scaleout-$name" "$@" \
    2>&1 | tee "$OUT/$name.log" | awk '/^step / { n++; if (n > 5 && n % 25) next } /^(#|RESULT|step )/'
  local rc=${PIPESTATUS[0]}
  [ "$rc" -ne 0 ] && echo "## $name: exit $rc (see $name.log)" | tee -a "$OUT/summary.txt"
}

for b in $BATCHES; do
  run "1gpu-b$b" 1 "$b"
  if [ "$b" = "$LARGEST" ]; then
    run "2gpu-b$b" 2 "$b" --zip "$OUT/continued-2gpu.zip"
  else
    run "2gpu-b$b" 2 "$b"
  fi
done
[ -z "${LOCAL:-}" ] && run "2gpu-b$LARGEST-bf16" 2 "$LARGEST" --precision bf16

# One line per run from its RESULT, and the speed-up of 2 processes over 1 at the same batch.
"$PY" - "$OUT" $BATCHES <<'PYEOF' | tee -a "$OUT/summary.txt"
import glob, json, os, sys
out, batches = sys.argv[1], sys.argv[2:]
results = {}
for path in sorted(glob.glob(os.path.join(out, "*.log"))):
    name = os.path.basename(path)[:-4]
    found = [json.loads(l[7:]) for l in open(path) if l.startswith("RESULT ")]
    if found:
        r = results[name] = found[-1]
        val = "n/a" if r["val_loss"] is None else f"{r['val_loss']:.4f}"
        print(f"{name}: {r['tokens_per_sec']:.0f} tokens/s ({r['tokens_per_step']} tokens/step, {r['precision']}), "
              f"from step {r['from_step']}: first losses {', '.join(f'{x:.4f}' for x in r['first_losses'])}; "
              f"last {r['last_loss']:.4f}, val {val}")
for b in batches:
    one, two = results.get(f"1gpu-b{b}"), results.get(f"2gpu-b{b}")
    if one and two:
        print(f"batch {b} per GPU: 2 GPUs / 1 GPU = {two['tokens_per_sec'] / one['tokens_per_sec']:.2f}x tokens/s")
PYEOF
echo "## suite done in ${SECONDS}s"
