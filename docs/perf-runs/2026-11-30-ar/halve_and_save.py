# Run AR: a studio bundle loaded in transformers, halved (float16, bfloat16) and saved with
# save_pretrained, as a model often is before it goes to the Hub. The studio then imports the
# saved folders (src/export/bundle.ts) and compares their weights with PyTorch's own widening.
#   python3 halve_and_save.py BUNDLE_DIR WORK_DIR
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

bundle, work = sys.argv[1], sys.argv[2]
log = {"torch": torch.__version__, "transformers": transformers.__version__}
for name, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16)):
    model = AutoModelForCausalLM.from_pretrained(bundle, trust_remote_code=True).to(dtype)
    folder = os.path.join(work, name)
    model.save_pretrained(folder)
    # The same weights widened by PyTorch, as float32 (the tied head is the embedding).
    widened = {k: v.float().contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(widened, os.path.join(work, f"{name}_widened.safetensors"))
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    log[name] = {"files": sorted(os.listdir(folder)), "dtype": config.get("dtype", config.get("torch_dtype"))}
print(json.dumps(log, indent=1))
with open(os.path.join(work, "log.json"), "w") as f:
    json.dump(log, f, indent=1)
