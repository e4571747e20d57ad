#!/usr/bin/env bash
# Time-budget check: i3-tiny, the compute-optimal model, and a quarter and 4x its size, each fitted
# to the same minutes, on the built-in corpus.
set -u
M=${1:-1.25}
D=public/data/default-corpus.txt.gz
COMMON="--preset i3-tiny --data $D --minutes $M --ckpt-every 0 --sample-tokens 0"
run() { local name=$1; shift; node .gpu/train.mjs $COMMON --out /tmp/b-$name "$@" > $OUT/$name.log 2>&1; grep -E "^--minutes|^model:|wall clock|run finished|^eval" $OUT/$name.log | tail -6; }
echo "== tiny"; run tiny
N=$(grep -oE "compute-optimal here: width [0-9]+, [0-9]+ blocks, [0-9,]+ parameters" $OUT/tiny.log | grep -oE "[0-9,]+ parameters" | tr -d ', parameters')
echo "optimal N=$N"
echo "== optimal"; run optimal --optimal
echo "== quarter"; run quarter --params $((N/4))
echo "== four"; run four --params $((N*4))
