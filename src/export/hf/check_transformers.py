"""Loads an exported i3 bundle the way a Hugging Face user would, and checks it.

    python3 check_transformers.py BUNDLE_DIR [--expect studio_logits.json]

AutoModelForCausalLM.from_pretrained(dir, trust_remote_code=True) and AutoTokenizer load the
bundle; the tokenizer's ids are compared with the studio's (when --expect gives them), the
logits on those ids likewise, and generate() continues a prompt greedily, with sampling, and
greedily with token healing (the model card's advice for plain text).
Prints one JSON line with the results; exits non-zero if a check fails.
"""

import argparse
import json
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--expect", help="JSON with text, ids and logits from the studio")
    ap.add_argument("--prompt", default="the ")
    args = ap.parse_args()

    model = AutoModelForCausalLM.from_pretrained(args.bundle, trust_remote_code=True)
    model.eval()
    tok = AutoTokenizer.from_pretrained(args.bundle, trust_remote_code=True)
    out = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "model_class": type(model).__name__,
        "tokenizer_class": type(tok).__name__,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    ok = True
    if args.expect:
        with open(args.expect) as f:
            expect = json.load(f)
        ids = tok(expect["text"], add_special_tokens=False)["input_ids"]
        out["ids_match"] = ids == expect["ids"]
        ok &= out["ids_match"]
        with torch.no_grad():
            logits = model(torch.tensor([expect["ids"]])).logits[0]
        want = torch.tensor(expect["logits"]).reshape(logits.shape)
        out["max_abs_logit_diff"] = float((logits - want).abs().max())
        ok &= out["max_abs_logit_diff"] <= 1e-3

    prompt = tok(args.prompt, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        greedy = model.generate(**prompt, max_new_tokens=40, do_sample=False)
        torch.manual_seed(0)
        sampled = model.generate(
            **prompt, max_new_tokens=40, do_sample=True, temperature=0.8, top_k=40, top_p=0.95
        )
        # The model card's way for plain text: the prompt's last token drawn again.
        healed = model.generate(
            **prompt, max_new_tokens=40, do_sample=False, token_healing=True, tokenizer=tok
        )
    out["greedy"] = tok.decode(greedy[0], skip_special_tokens=False)
    out["sampled"] = tok.decode(sampled[0], skip_special_tokens=False)
    out["healed"] = tok.decode(healed[0], skip_special_tokens=False)
    ok &= greedy.shape[1] > prompt["input_ids"].shape[1]
    out["ok"] = bool(ok)
    print(json.dumps(out))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
