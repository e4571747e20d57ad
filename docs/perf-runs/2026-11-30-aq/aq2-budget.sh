#!/usr/bin/env bash
# After the probe's warm-up fix: planned against wall clock for three sizes.
set -u
D=public/data/default-corpus.txt.gz
run() { local name=$1; shift; node .gpu/train.mjs --data $D --ckpt-every 0 --sample-tokens 0 --out /tmp/b-$name "$@" > $OUT/$name.log 2>&1; grep -E "^--minutes|^model:|wall clock" $OUT/$name.log; echo "lowest val $(grep '^eval' $OUT/$name.log | awk '{print $6, $3}' | sort -n | head -1)"; }
echo "== quarter"; run quarter --preset i3-tiny --minutes 1.25 --params 366336
echo "== tiny"; run tiny --preset i3-tiny --minutes 1.25
echo "== 22m"; run 22m --preset i3-22m --minutes 2
