#!/usr/bin/env bash
# The learning-rate finder from a checkpoint: i3-tiny trained on the built-in corpus, swept on the
# repository's docs (its tokenizer), then fine-tuned at rates around the suggestion.
set -u
D=public/data/default-corpus.txt.gz
cat docs/*.md README.md > /tmp/docs.txt
T="node .gpu/train.mjs"
$T --preset i3-tiny --data $D --steps 3000 --eval-every 1000 --ckpt-every 3000 --sample-tokens 0 --out /tmp/base > $OUT/base.log 2>&1
grep -E "^eval|wall clock" $OUT/base.log
CK=/tmp/base/checkpoint-003000.bin
for seed in 1234 1; do
  $T --data /tmp/docs.txt --resume $CK --find-lr --seed $seed --out /tmp/lr-$seed > $OUT/lr-$seed.log 2>&1
  grep -E "dataset:|suggested|blew|no suggestion" $OUT/lr-$seed.log
done
$T --data /tmp/docs.txt --preset i3-tiny --find-lr --out /tmp/lr-fresh > $OUT/lr-fresh.log 2>&1
echo "fresh: $(grep -E 'suggested|no suggestion' $OUT/lr-fresh.log)"
S=$(grep -oE "suggested peak learning rate: [0-9.e+-]+" $OUT/lr-1234.log | awk '{print $5}')
echo "S=$S"
for f in 0.1 0.3 1 3 10; do
  R=$(node -e "console.log((${S}*${f}).toPrecision(2))")
  for seed in 1234 1; do
    $T --data /tmp/docs.txt --resume $CK --fine-tune --steps 300 --warmup 30 --lr $R --seed $seed --eval-every 25 --ckpt-every 0 --sample-tokens 0 --out /tmp/ft-$f-$seed > $OUT/ft-$f-$seed.log 2>&1
    echo "x$f lr $R seed $seed: first $(grep '^eval' $OUT/ft-$f-$seed.log | head -1 | awk '{print $6}') lowest $(grep '^eval' $OUT/ft-$f-$seed.log | awk '{print $6, $3}' | sort -n | head -1) $(grep -E 'run (finished|failed)' $OUT/ft-$f-$seed.log)"
  done
done
