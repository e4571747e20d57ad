#!/usr/bin/env bash
# The 2-GPU session (docs/scale-out.md, docs/interop.md, docs/performance.md), run on the
# nvidia-h200-x2 machine from the project root with .gpu (npm run gpu:bundle) and public/data
# carried. In one call, inside 10 minutes:
#   1. the studio's Node trainer trains i3-tiny on the built-in corpus (GPU 0, WebGPU/Vulkan),
#      then exports its Hugging Face bundle and the corpus as token shards;
#   2. transformers loads that bundle (from_pretrained, trust_remote_code) and generates; its
#      logits are compared with the studio's WGSL forward;
#   3. train_i3.py continues the bundle under torchrun on 1 and 2 GPUs (scaleOutSuite.sh);
#   4. the studio's i3-22m training and generation benchmarks.
# Output ($OUT, 8 files at most): studio.txt, hf.txt, and scaleOutSuite.sh's files.
set -u
OUT=${OUT:?set OUT to the output folder}
mkdir -p "$OUT"
# shellcheck disable=SC1091
source .gpu/setup.sh
export PYTHONUNBUFFERED=1
IN=/tmp/i3-in
mkdir -p "$IN"
STEPS_TINY=${STEPS_TINY:-600}

{
  echo "## studio: train i3-tiny, $STEPS_TINY steps"
  timeout 150 node .gpu/train.mjs --preset i3-tiny --data public/data/default-corpus.txt.gz \
    --steps "$STEPS_TINY" --warmup 60 --eval-every 200 --ckpt-every "$STEPS_TINY" --out "$IN/run" |
    awk '/^step / { n++; if (n % 10) next } { print }'
  ck=$(ls "$IN"/run/checkpoint-*.bin | tail -1)
  echo "## studio: export $ck"
  node .gpu/export.mjs --checkpoint "$ck" --out "$IN/bundle"
  node .gpu/exportShards.mjs --data public/data/default-corpus.txt.gz \
    --tokenizer "$IN/bundle/tokenizer.json" --out "$IN/shards.zip"
  node .gpu/logits.mjs --checkpoint "$ck" --text "the cat sat on the mat. i like" \
    --out "$IN/studio_logits.json"
} 2>&1 | tee "$OUT/studio.txt"

echo "## transformers: from_pretrained + generate" | tee "$OUT/hf.txt"
timeout 120 python3 src/export/hf/check_transformers.py "$IN/bundle" \
  --expect "$IN/studio_logits.json" --prompt "the cat sat on the" 2>&1 | tail -20 | tee -a "$OUT/hf.txt"

IN=$IN BATCHES=64 STEPS=${STEPS_SCALE:-150} DEADLINE=${DEADLINE_SCALE:-420} OUT=$OUT \
  bash src/cli/scaleOutSuite.sh

{
  echo "## studio: bench i3-22m"
  timeout 80 node .gpu/bench.mjs --preset i3-22m --steps 15 --warmup 4
  echo "## studio: bench:generate i3-22m"
  timeout 50 node .gpu/benchGenerate.mjs --preset i3-22m --tokens 128 --runs 5
} 2>&1 | tee -a "$OUT/studio.txt"
echo "## x2 suite done in ${SECONDS}s"
