# Run AS: the same i3-tiny checkpoint exported in float32 and in bfloat16 (npm run export, --bf16),
# both loaded by transformers as a user would (from_pretrained, trust_remote_code) and compared:
# the dtype each loads in, the loss on held-out text, and greedy continuations.
#   python3 compare_bf16.py F32_DIR BF16_DIR CORPUS.txt.gz
import gzip
import json
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

f32_dir, bf16_dir, corpus = sys.argv[1:4]
tok = AutoTokenizer.from_pretrained(f32_dir, trust_remote_code=True)
models = {
    name: AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True).eval()
    for name, path in (("float32", f32_dir), ("bfloat16", bf16_dir))
}
with gzip.open(corpus, "rt") as f:
    lines = [line.strip() for line in f if line.strip()]
held_out = lines[-400:]  # the corpus's end: a sample, not the validation split itself
T = models["float32"].config.max_seq_len
rows = [[tok.eos_token_id] + tok(text, add_special_tokens=False).input_ids[: T - 1] for text in held_out]
out = {"torch": torch.__version__, "transformers": transformers.__version__, "documents": len(rows)}
for name, model in models.items():
    total, count = 0.0, 0
    with torch.no_grad():
        for ids in rows:
            if len(ids) < 2:
                continue
            x = torch.tensor([ids])
            logits = model(x).logits[0, :-1]
            total += float(torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum"))
            count += len(ids) - 1
    out[name] = {
        "parameter dtype": str(next(model.parameters()).dtype),
        "mean loss": total / count,
        "tokens": count,
    }
prompts = ["the film was", "i think that", "this movie is", "the story of", "one of the best"]
same = 0
samples = []
for p in prompts:
    ids = tok(p, return_tensors="pt", add_special_tokens=False).input_ids
    texts = []
    for model in models.values():
        g = model.generate(ids, max_new_tokens=24, do_sample=False, token_healing=True, tokenizer=tok)
        texts.append(tok.decode(g[0, ids.shape[1] :], skip_special_tokens=True))
    same += texts[0] == texts[1]
    samples.append({"prompt": p, "float32": texts[0], "bfloat16": texts[1]})
out["greedy continuations the same"] = f"{same} of {len(prompts)}"
out["samples"] = samples
print(json.dumps(out, indent=1))
