#!/usr/bin/env bash
# The GPU benchmark suite, run on the GPU machine from the project root after, HERE, `npm run
# gpu:bundle` (gpu-prep.sh + the esbuild bundles .gpu/bench.mjs, .gpu/benchKernels.mjs,
# .gpu/benchGenerate.mjs); .gpu/ travels with the call (carry). It bundles nothing. Each part has
# its own time limit and the whole suite stops starting parts at DEADLINE seconds, so it ends
# inside one 10-minute call:
#   env (nvidia-smi, versions) → bench:kernels → bench → bench:generate → PyTorch baselines.
# Output: $OUT/{env.txt, kernels.txt, kernels.json, bench.txt, bench.json, generate.txt, torch.txt,
# torch.jsonl}, and everything also on stdout.
#
# Local smoke run (SwiftShader, CPU torch):
#   I3_SUITE_LOCAL=1 PRESET=i3-test OUT=/tmp/suite bash src/cli/gpuSuite.sh
set -u
PRESET=${PRESET:-i3-22m}
DEADLINE=${DEADLINE:-530}
OUT=${OUT:?set OUT to the output folder}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1

if [ -z "${I3_SUITE_LOCAL:-}" ]; then
  [ -f .gpu/setup.sh ] && [ -f .gpu/bench.mjs ] && [ -f .gpu/benchKernels.mjs ] &&
    [ -f .gpu/benchGenerate.mjs ] ||
    { echo "missing .gpu bundles: run 'npm run gpu:bundle' first and carry .gpu" >&2; exit 1; }
  # shellcheck disable=SC1091
  source .gpu/setup.sh
  KERNELS=(node .gpu/benchKernels.mjs --reps 20)
  BENCH=(node .gpu/bench.mjs --steps 40 --warmup 5)
  GENERATE=(node .gpu/benchGenerate.mjs --tokens 128 --runs 5)
  TORCH=("$PY" src/cli/torchBaseline.py --device cuda)
else
  # SwiftShader runs about 0.3 GFLOP/s: a small batch and few steps.
  KERNELS=(npx tsx src/cli/benchKernels.ts --batch 2 --reps 3)
  BENCH=(npx tsx src/cli/bench.ts --batch 2 --steps 3 --warmup 1 --profile-steps 1)
  GENERATE=(npx tsx src/cli/benchGenerate.ts --tokens 8 --runs 1)
  TORCH=("$PY" src/cli/torchBaseline.py --device cpu --batch 2)
fi

# part NAME LIMIT_S FILE CMD...: runs CMD under min(LIMIT_S, time left), appending to FILE.
part() {
  local name=$1 limit=$2 file=$3; shift 3
  local left=$((DEADLINE - SECONDS))
  if [ "$left" -lt 15 ]; then
    echo "## $name: not run (suite deadline)" | tee -a "$OUT/$file"
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "## $name (limit ${limit}s, at ${SECONDS}s)" | tee -a "$OUT/$file"
  timeout -k 5 "$limit" "$@" 2>&1 | tee -a "$OUT/$file"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && echo "## $name: stopped at its ${limit}s limit" | tee -a "$OUT/$file"
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo "## $name: exit $rc" | tee -a "$OUT/$file"
}

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1
  node --version
  "$PY" -c 'import torch; print("torch", torch.__version__)' 2>&1
} > "$OUT/env.txt"
cat "$OUT/env.txt"

part bench:kernels 90 kernels.txt "${KERNELS[@]}" --preset "$PRESET" --json "$OUT/kernels.json"
part bench 120 bench.txt "${BENCH[@]}" --preset "$PRESET" --json "$OUT/bench.json"
part bench:generate 60 generate.txt "${GENERATE[@]}" --preset "$PRESET"
TORCH+=(--preset "$PRESET" --json "$OUT/torch.jsonl")
part torch:chunked 100 torch.txt "${TORCH[@]}" --variants chunked-fp32,chunked-tf32,chunked-bf16
part torch:eager-loop 80 torch.txt "${TORCH[@]}" --variants eager-loop-fp32 --steps 5 --warmup 2
part torch:compiled 150 torch.txt "${TORCH[@]}" --variants compiled-bf16,compiled-tf32
echo "## suite done in ${SECONDS}s"
