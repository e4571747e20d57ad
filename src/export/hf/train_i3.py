"""Continue training an exported i3 bundle with PyTorch DistributedDataParallel, and write the result
as a new bundle of the same format (the studio imports it back).

    torchrun --nproc_per_node 2 train_i3.py --bundle BUNDLE_DIR --data SHARDS --steps 1000 --out NEW_DIR
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_endpoint HOST:29500 train_i3.py ...   (several nodes)
    python3 train_i3.py --bundle BUNDLE_DIR --data SHARDS --steps 20 --device cpu       (one process)

BUNDLE_DIR is an unzipped bundle (config.json, model.safetensors or pytorch_model.bin, tokenizer.json,
and when present optimizer.safetensors, training_state.json, metrics.csv). SHARDS is the studio's
"Export shards" zip or its unzipped folder (manifest.json + train_000.bin ... of little-endian
uint16 tokens); shards are read through numpy memmaps, straight out of the zip when it is one.

Each step: every process draws --batch random windows of T+1 tokens per micro-batch (its own seeded
stream), --accum micro-batches, DDP averages the gradients; then global-norm clipping and AdamW with
the studio's settings (decay on matrices and the embedding; none on norms, biases, A_log, D). The
learning rate follows the bundle's schedule (linear warm-up, then its decay: cosine, linear, wsd or
constant) from the step the bundle reached, and the AdamW moments continue from optimizer.safetensors
when the bundle has it. The global batch is world_size x --batch x --accum rows. Backend: nccl on GPUs,
gloo on CPU.
Needs torch (>= 1.13) and numpy; no transformers or safetensors package.
"""

import argparse
import contextlib
import csv
import json
import math
import os
import shutil
import statistics
import struct
import sys
import time
import zipfile
from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

PAD_ID = 0
HEAD_NAME = "lm_head.weight"
EMBED_NAME = "model.embed_tokens.weight"
METRIC_COLUMNS = ["step", "tokens", "time", "loss", "perplexity", "lr", "grad_norm", "tokens_per_sec",
                  "step_ms", "val_loss", "val_perplexity", "epochs"]  # epochs: the studio's steps only
# Rewritten in the output bundle; every other file is copied as it is.
WRITTEN = {"model.safetensors", "pytorch_model.bin", "optimizer.safetensors", "metrics.csv", "README.md",
           "training_state.json"}
# The spec's training defaults, for bundles that carry no training_state.json.
SPEC_SETTINGS = {"batchSize": 16, "accumSteps": 1, "weightDecay": 0.1, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8,
                 "clipNorm": 1.0, "evalBatches": 8, "seed": 1234}
SPEC_SCHEDULE = {"warmupSteps": 100, "minRatio": 0.1}


DECAYS = ("cosine", "linear", "wsd", "constant")
DEFAULT_COOLDOWN = 0.2


def learning_rate(s, step):
    """The studio's schedule (src/train/schedule.ts); step counts optimizer steps from 0."""
    start = s.get("startStep", 0)  # a fine-tuned checkpoint's schedule starts at its own step
    t = max(0, step - start)
    if t < s["warmupSteps"]:
        return s["peakLr"] * (t + 1) / s["warmupSteps"]
    decay_steps = max(1, s["totalSteps"] - start - s["warmupSteps"])
    p = min(1.0, (t - s["warmupSteps"]) / decay_steps)
    decay = s.get("decay", "cosine")
    if decay == "cosine":
        left = 0.5 * (1 + math.cos(math.pi * p))
    elif decay == "linear":
        left = 1 - p
    elif decay == "constant":
        left = 1.0
    else:  # wsd: the peak held, then 1 - sqrt over the last `cooldown` of the steps
        c = s.get("cooldown", DEFAULT_COOLDOWN)
        left = 1 - math.sqrt(max(0.0, (p - (1 - c)) / c))
    return s["peakLr"] * (s["minRatio"] + (1 - s["minRatio"]) * left)


# ── safetensors, by hand (F32 only, as the studio writes) ──

def read_safetensors(path):
    """(OrderedDict name -> tensor in file order, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    out = OrderedDict()
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {e['dtype']}, only F32 is read")
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[a:b]), dtype=torch.float32).reshape(e["shape"])
    return out, meta


def write_safetensors(path, tensors, metadata):
    """Header JSON padded with spaces to 8 bytes, then raw little-endian f32 in the order given."""
    header, offset = {"__metadata__": metadata}, 0
    arrays = []
    for name, t in tensors.items():
        a = t.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4", copy=False)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for a in arrays:
            f.write(a.tobytes())


# ── token shards ──

class TokenSplit:
    """One split of the exported shards as a virtual concatenation of uint16 memmaps."""

    def __init__(self, arrays):
        self.arrays = [a for a in arrays if len(a)]
        self.starts = np.cumsum([0] + [len(a) for a in self.arrays])
        self.tokens = int(self.starts[-1])

    def window(self, start, n):
        out = np.empty(n, dtype=np.int64)
        i = int(np.searchsorted(self.starts, start, side="right")) - 1
        done = 0
        while done < n:
            a = self.arrays[i]
            at = start + done - int(self.starts[i])
            take = min(n - done, len(a) - at)
            out[done:done + take] = a[at:at + take]
            done += take
            i += 1
        return out


def open_shards(path):
    """(manifest, {split: TokenSplit}) from a shard folder or the studio's stored shard zip."""
    if os.path.isdir(path):
        with open(os.path.join(path, "manifest.json")) as f:
            manifest = json.load(f)

        def array(file, tokens):
            return np.memmap(os.path.join(path, file), dtype="<u2", mode="r", shape=(tokens,))
    else:
        z = zipfile.ZipFile(path)
        names = {os.path.basename(i.filename): i for i in z.infolist() if not i.is_dir()}
        manifest = json.loads(z.read(names["manifest.json"]))

        def array(file, tokens):
            info = names[file]
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{path}: {file} is compressed; unzip the shards first")
            with open(path, "rb") as f:  # the data follows the local header, its name and extra field
                f.seek(info.header_offset + 26)
                name_len, extra_len = struct.unpack("<HH", f.read(4))
            offset = info.header_offset + 30 + name_len + extra_len
            return np.memmap(path, dtype="<u2", mode="r", offset=offset, shape=(tokens,))
    if manifest.get("format") != "i3-shards" or manifest.get("dtype") != "uint16":
        raise ValueError(f"{path}: not an i3 shard export (manifest.json format/dtype)")
    splits = {
        name: TokenSplit([array(s["file"], s["tokens"]) for s in split["shards"] if s["tokens"]])
        for name, split in manifest["splits"].items()
    }
    return manifest, splits


# ── the bundle ──

def load_bundle(bundle, scan_impl):
    """(config dict, model, tensor names in the bundle's order)."""
    sys.path.insert(0, os.path.abspath(bundle))  # the bundle's own modeling_i3.py
    import modeling_i3

    with open(os.path.join(bundle, "config.json")) as f:
        config_dict = json.load(f)
    config = modeling_i3.I3Config(**config_dict)
    config.scan_impl = scan_impl
    model = modeling_i3.I3ForCausalLM(config)
    st_path = os.path.join(bundle, "model.safetensors")
    if os.path.exists(st_path):
        state, _ = read_safetensors(st_path)
    else:
        state = torch.load(os.path.join(bundle, "pytorch_model.bin"), map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if set(missing) - {HEAD_NAME} or unexpected:
        raise ValueError(f"the bundle's weights do not fit its config: missing {missing}, unexpected {unexpected}")
    if model.lm_head.weight is not model.model.embed_tokens.weight:
        raise ValueError("lm_head is not tied to the embedding")
    names = [n for n in state if n != HEAD_NAME]
    return config_dict, model, names


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def read_metrics(path):
    if not os.path.exists(path):
        return METRIC_COLUMNS, []
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else (METRIC_COLUMNS, [])


def resolve_settings(args, config, state, metrics_rows, header, opt_step):
    """Steps done, tokens, time, and the TrainSettings to continue with (bundle's, then flags)."""
    last = dict(zip(header, metrics_rows[-1])) if metrics_rows else {}
    done = state.get("steps") if state else None
    if done is None:
        done = opt_step if opt_step is not None else int(last.get("step") or 0)
    settings = dict(SPEC_SETTINGS, **((state or {}).get("settings") or {}))
    schedule = dict(SPEC_SCHEDULE, **settings.get("schedule", {}))
    overrides = {"peakLr": args.lr, "warmupSteps": args.warmup, "totalSteps": args.total_steps,
                 "minRatio": args.min_ratio, "decay": args.decay, "cooldown": args.cooldown}
    schedule.update({k: v for k, v in overrides.items() if v is not None})
    schedule.setdefault("peakLr", 6e-4 if config["d_model"] >= 512 else 1e-3)  # the spec's i3-22m / i3-tiny
    steps = args.steps
    if steps is None:
        steps = schedule.get("totalSteps", done) - done
        if steps <= 0:
            raise SystemExit(f"the bundle finished its schedule ({done} steps): pass --steps (and --total-steps)")
    schedule.setdefault("totalSteps", done + steps)
    settings["schedule"] = schedule
    for key, flag in [("weightDecay", args.weight_decay), ("clipNorm", args.clip), ("seed", args.seed)]:
        if flag is not None:
            settings[key] = flag
    tokens = (state or {}).get("tokens", float(last.get("tokens") or 0))
    seconds = (state or {}).get("time", float(last.get("time") or 0))
    return int(done), int(steps), tokens, seconds, settings


# ── distributed setup ──

def setup_distributed(device_kind):
    """(rank, world, local_rank, device); one process without torchrun."""
    if "WORLD_SIZE" not in os.environ:
        device = torch.device("cuda", 0) if device_kind == "cuda" else torch.device("cpu")
        return 0, 1, 0, device
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", 0))
    if device_kind == "cuda":
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    dist.init_process_group("nccl" if device_kind == "cuda" else "gloo")
    return rank, world, local, device


def all_sum(values, world, device):
    t = torch.tensor(values, dtype=torch.float64 if device.type == "cpu" else torch.float32, device=device)
    if world > 1:
        dist.all_reduce(t)
    return t.tolist()


def batch_tensor(split, starts, T, device):
    rows = np.stack([split.window(int(s), T + 1) for s in starts])
    t = torch.from_numpy(rows)
    if device.type == "cuda":
        t = t.pin_memory().to(device, non_blocking=True)
    return t


def loss_of(model, rows, autocast):
    """Mean next-token cross-entropy over non-pad targets, computed in fp32."""
    T = rows.shape[1] - 1
    with autocast():
        logits = model(rows[:, :T])
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1),
                           ignore_index=PAD_ID)


class Logits(torch.nn.Module):
    """I3ForCausalLM's logits alone, so DDP sees a plain tensor out."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, ids):
        return self.lm.lm_head(self.lm.model(ids))


def evaluate(net, split, args, T, rank, world, device, autocast):
    """Mean validation loss over consecutive windows (stride T), shared round-robin by the processes."""
    windows = min((split.tokens - 1) // T, args.eval_batches * args.batch * world)
    mine = list(range(rank, windows, world))
    total = count = 0.0
    net.eval()
    with torch.no_grad():
        for i in range(0, len(mine), args.batch):
            rows = batch_tensor(split, [w * T for w in mine[i:i + args.batch]], T, device)
            n = int((rows[:, 1:] != PAD_ID).sum())
            total += float(loss_of(net, rows, autocast)) * n
            count += n
    net.train()
    total, count = all_sum([total, count], world, device)
    return total / count if count else float("nan")


# ── writing the new bundle ──

def write_bundle(args, bundle, out, params, opt, names, done, state, settings, header, rows, new_rows, log):
    """The new bundle at `out`: new weights, moments, metrics, state and card; the rest copied."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(bundle):
        src = os.path.join(bundle, name)
        dst = os.path.join(out, name)
        if name not in WRITTEN and os.path.isfile(src) and os.path.abspath(src) != os.path.abspath(dst):
            shutil.copyfile(src, dst)
    weights = OrderedDict((n, params[n].detach().cpu()) for n in names)
    write_safetensors(os.path.join(out, "model.safetensors"), weights, {"format": "pt"})
    # pytorch_model.bin: the studio's layout, the tied head sharing the embedding's storage.
    bin_state = OrderedDict(weights)
    bin_state[HEAD_NAME] = weights[EMBED_NAME]
    torch.save(bin_state, os.path.join(out, "pytorch_model.bin"))
    moments = OrderedDict()
    for key in ("exp_avg", "exp_avg_sq"):
        for n in names:
            moments[f"{key}.{n}"] = opt.state[params[n]][key]
    write_safetensors(os.path.join(out, "optimizer.safetensors"), moments,
                      {"format": "pt", "step": str(log["adam_steps"])})
    with open(os.path.join(out, "metrics.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        for r in new_rows:
            w.writerow(["" if r.get(c) is None else repr(r[c]) if isinstance(r[c], float) else r[c] for c in header])
    last = new_rows[-1]
    run = {"engine": "pytorch-ddp", "script": "train_i3.py", "from_step": done, "to_step": last["step"],
           "world_size": log["world"], "batch_per_process": args.batch, "accum_steps": args.accum,
           "seq_len": settings["seqLen"], "device": log["device"], "precision": args.precision,
           "torch": torch.__version__, "tokens_per_sec": log["tokens_per_sec"]}
    new_state = dict(state or {})
    new_state.update({"steps": last["step"], "tokens": last["tokens"], "time": last["time"], "settings": settings,
                      "device": log["device"]})
    new_state["continued"] = list(new_state.get("continued", [])) + [run]
    with open(os.path.join(out, "training_state.json"), "w") as f:
        json.dump(new_state, f, indent=2)
        f.write("\n")
    readme = ""
    if os.path.exists(os.path.join(bundle, "README.md")):
        with open(os.path.join(bundle, "README.md")) as f:
            readme = f.read().rstrip("\n") + "\n"
    evals = [r for r in new_rows if r.get("val_loss") is not None]
    table = [
        ("steps", f"{done} → {last['step']}"),
        ("processes", f"{log['world']}: {log['device']}"),
        ("batch", f"{log['world']} × {args.batch} × {settings['seqLen']} tokens, {args.accum} accumulation step(s)"),
        ("precision", args.precision),
        ("throughput", f"{log['tokens_per_sec']:.0f} tokens/s"),
        ("final training loss", f"{last['loss']:.4f}"),
    ] + ([("final validation loss", f"{evals[-1]['val_loss']:.4f}")] if evals else [])
    readme += "\n## Continued with PyTorch (train_i3.py)\n\n| | |\n| --- | --- |\n"
    readme += "".join(f"| {k} | {v} |\n" for k, v in table)
    readme += "\n`loss_curve.svg` shows the steps before this continuation; `metrics.csv` holds every step.\n"
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(readme)
    if args.zip:
        with zipfile.ZipFile(args.zip, "w", zipfile.ZIP_STORED) as z:
            for name in sorted(os.listdir(out)):
                if os.path.isfile(os.path.join(out, name)):
                    z.write(os.path.join(out, name), name)


# ── main ──

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True, help="unzipped bundle folder")
    ap.add_argument("--data", required=True, help="shard export: zip or folder with manifest.json")
    ap.add_argument("--out", help="new bundle folder (default: BUNDLE-continued)")
    ap.add_argument("--zip", help="also write the new bundle as this zip")
    ap.add_argument("--steps", type=int, help="optimizer steps to run (default: the rest of the schedule)")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, help="rows per process and micro-batch (default: the bundle's batch)")
    ap.add_argument("--accum", type=int, help="micro-batches per step (default: the bundle's)")
    ap.add_argument("--seq-len", type=int, help="T (default: the bundle's, at most max_seq_len)")
    ap.add_argument("--lr", type=float, help="peak learning rate")
    ap.add_argument("--warmup", type=int, help="warm-up steps")
    ap.add_argument("--total-steps", type=int, help="the schedule's last step (the decay's end)")
    ap.add_argument("--min-ratio", type=float, help="final learning rate as a fraction of the peak")
    ap.add_argument("--decay", choices=DECAYS, help="after the warm-up (default: the bundle's, else cosine)")
    ap.add_argument("--cooldown", type=float, help="wsd: the share of the steps after the warm-up it cools over")
    ap.add_argument("--weight-decay", type=float)
    ap.add_argument("--clip", type=float, help="global gradient-norm clip")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--eval-every", type=int, default=0, help="validation every N steps (0: at the end only)")
    ap.add_argument("--eval-batches", type=int, help="validation batches per process")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], help="default: tf32 on GPU, fp32 on CPU")
    ap.add_argument("--scan", choices=["chunked", "sequential"], default="chunked")
    ap.add_argument("--compile", action="store_true", help="torch.compile each block")
    ap.add_argument("--ignore-tokenizer", action="store_true", help="train on shards of another tokenizer")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    bundle = args.bundle.rstrip("/")
    out = args.out or f"{bundle}-continued"
    rank, world, _, device = setup_distributed(args.device)
    log = print if rank == 0 else (lambda *a, **k: None)
    args.precision = args.precision or ("tf32" if device.type == "cuda" else "fp32")
    if args.precision == "tf32" and device.type != "cuda":
        raise SystemExit("tf32 is a GPU setting")
    torch.backends.cuda.matmul.allow_tf32 = args.precision != "fp32"
    torch.backends.cudnn.allow_tf32 = args.precision != "fp32"

    config, lm, names = load_bundle(bundle, args.scan)
    state = read_json(os.path.join(bundle, "training_state.json"))
    header, rows = read_metrics(os.path.join(bundle, "metrics.csv"))
    opt_path = os.path.join(bundle, "optimizer.safetensors")
    moments, opt_meta = read_safetensors(opt_path) if os.path.exists(opt_path) else (None, {})
    opt_step = int(opt_meta["step"]) if "step" in opt_meta else None
    done, steps, tokens, seconds, settings = resolve_settings(args, config, state, rows, header, opt_step)
    args.batch = args.batch or settings["batchSize"]
    args.accum = args.accum or settings["accumSteps"]
    args.eval_batches = args.eval_batches or settings["evalBatches"]
    T = min(args.seq_len or settings.get("seqLen", config["max_seq_len"]), config["max_seq_len"])
    settings["seqLen"] = T
    sched = settings["schedule"]

    manifest, splits = open_shards(args.data)
    V = config["vocab_size"]
    if manifest["vocab_size"] > V:
        raise SystemExit(f"the shards' vocabulary ({manifest['vocab_size']}) exceeds the model's ({V})")
    tokenizer = read_json(os.path.join(bundle, "tokenizer.json"))
    if not args.ignore_tokenizer and json.loads(manifest["tokenizer_json"]) != tokenizer:
        raise SystemExit("the shards were tokenized with another tokenizer than the bundle's "
                         "(export them with the bundle's tokenizer, or pass --ignore-tokenizer)")
    train, val = splits["train"], splits.get("validation")
    if train.tokens < T + 1:
        raise SystemExit(f"the training split has {train.tokens} tokens, fewer than one window of {T + 1}")

    lm.to(device)
    named = list(lm.named_parameters())  # the tied head appears once, as the embedding
    if args.compile:  # after naming: compiled blocks add a prefix to their parameters' names
        for i, layer in enumerate(lm.model.layers):
            lm.model.layers[i] = torch.compile(layer)
    decay = [p for n, p in named if p.ndim >= 2 and not n.endswith("A_log")]
    no_decay = [p for n, p in named if not (p.ndim >= 2 and not n.endswith("A_log"))]
    groups = [{"params": decay, "weight_decay": settings["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}]
    kw = dict(lr=sched["peakLr"], betas=(settings["beta1"], settings["beta2"]), eps=settings["eps"])
    try:
        opt = torch.optim.AdamW(groups, fused=device.type == "cuda", **kw)
    except (TypeError, RuntimeError):  # torch without fused AdamW
        opt = torch.optim.AdamW(groups, **kw)
    params = dict(named)
    if moments is not None:
        # The studio's moments per tensor, and its step count for AdamW's bias correction.
        index = {id(p): i for i, p in enumerate(decay + no_decay)}
        sd = opt.state_dict()
        sd["state"] = {
            index[id(params[n])]: {"step": torch.tensor(float(opt_step)),
                                   "exp_avg": moments[f"exp_avg.{n}"].reshape(params[n].shape),
                                   "exp_avg_sq": moments[f"exp_avg_sq.{n}"].reshape(params[n].shape)}
            for n in names
        }
        opt.load_state_dict(sd)
    else:
        log("# no optimizer.safetensors: AdamW moments start from zero")

    net = plain = Logits(lm)
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[device.index] if device.type == "cuda" else None)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if args.precision == "bf16" \
        else contextlib.nullcontext
    where = f"{world} × {torch.cuda.get_device_name(device)}" if device.type == "cuda" else f"{world} × cpu"
    where += f" (PyTorch {torch.__version__}, {'nccl' if device.type == 'cuda' else 'gloo'})" if world > 1 \
        else f" (PyTorch {torch.__version__})"
    tokens_per_step = world * args.batch * args.accum * T
    log(f"# i3 {config['d_model']}d×{config['n_layers']}L, V {V}: continuing from step {done}, {steps} steps "
        f"on {where}; batch {world}×{args.batch}×{args.accum} rows of {T} tokens ({tokens_per_step} per step); "
        f"lr peak {sched['peakLr']}, warm-up {sched['warmupSteps']}, total {sched['totalSteps']}; "
        f"{args.precision}, {args.scan} scan; {train.tokens} training tokens")
    if done + steps > sched["totalSteps"]:
        log(f"# note: steps past {sched['totalSteps']} run at the floor rate (--total-steps stretches the decay)")

    seed = int(settings["seed"])
    rng = np.random.default_rng([seed, rank, done])  # each process its own windows; new ones per continuation
    new_rows, times = [], []
    for i in range(steps):
        step = done + i  # 0-based index of this optimizer step, as the studio counts
        lr = learning_rate(sched, step)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.perf_counter()
        loss_sum = 0.0
        for k in range(args.accum):
            rows_t = batch_tensor(train, rng.integers(0, train.tokens - T, size=args.batch), T, device)
            sync = net.no_sync() if world > 1 and k < args.accum - 1 else contextlib.nullcontext()
            with sync:
                loss = loss_of(net, rows_t, autocast)
                (loss / args.accum).backward()
            loss_sum += loss.detach()
        grad_norm = torch.nn.utils.clip_grad_norm_(lm.parameters(), settings["clipNorm"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss_mean = all_sum([float(loss_sum) / args.accum], world, device)[0] / world
        ms = (time.perf_counter() - t0) * 1e3
        times.append(ms)
        tokens += tokens_per_step
        seconds += ms / 1e3
        if not math.isfinite(loss_mean):
            raise SystemExit(f"the loss became {loss_mean} at step {step + 1}: lower --lr or raise --warmup")
        row = {"step": step + 1, "tokens": tokens, "time": round(seconds, 3), "loss": loss_mean,
               "perplexity": math.exp(min(loss_mean, 80)), "lr": lr, "grad_norm": float(grad_norm),
               "tokens_per_sec": tokens_per_step / (ms / 1e3), "step_ms": ms}
        last = i == steps - 1
        if val is not None and val.tokens > T and ((args.eval_every and (i + 1) % args.eval_every == 0) or last):
            row["val_loss"] = evaluate(plain, val, args, T, rank, world, device, autocast)
            row["val_perplexity"] = math.exp(min(row["val_loss"], 80))
        new_rows.append(row)
        log(f"step {step + 1}  loss {loss_mean:.4f}  lr {lr:.3e}  |g| {float(grad_norm):.3f}  "
            f"{row['tokens_per_sec']:.0f} tok/s  {ms:.1f} ms"
            + (f"  val {row['val_loss']:.4f}" if "val_loss" in row else ""), flush=True)

    steady = times[3:] if len(times) > 5 else times  # the first steps include warm-up work
    summary = {"world_size": world, "device": where, "steps": steps, "from_step": done,
               "tokens_per_step": tokens_per_step,
               "tokens_per_sec": tokens_per_step / (statistics.median(steady) / 1e3),
               "first_losses": [r["loss"] for r in new_rows[:5]], "last_loss": new_rows[-1]["loss"],
               "val_loss": new_rows[-1].get("val_loss"), "precision": args.precision, "out": out}
    if rank == 0:
        write_bundle(args, bundle, out, params, opt, names, done, state, settings, header, rows, new_rows,
                     {"world": world, "device": where, "tokens_per_sec": summary["tokens_per_sec"],
                      "adam_steps": (opt_step or 0) + steps})
        print("RESULT " + json.dumps(summary), flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
        # Leave without tearing down DDP and gloo: with torch 1.13 that teardown, run as main()
        # returns, now and then deadlocked a rank after the other had exited (three CI runs; the
        # stack showed only the call of main()). Every file is written and closed by now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
