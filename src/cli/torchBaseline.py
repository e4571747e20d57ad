"""PyTorch baseline for `npm run bench`: the same i3 model (the bundle's modeling_i3.py), the same
batch (16 × 256 random tokens of i3-22m), the same step (forward, cross-entropy, backward,
gradient-norm clip 1.0, AdamW β (0.9, 0.95), eps 1e-8, weight decay 0.1 on matrices only), timed
with CUDA events: median ms/step after warm-up, tokens/s, peak torch.cuda.max_memory_allocated.

Variants (--variants, comma-separated; each skipped with a message when it fails):
  eager-loop-fp32   modeling_i3.py as shipped: the scan is a Python loop over T; TF32 off
  chunked-fp32      the scan replaced by a chunked linear recurrence (below); TF32 off
  chunked-tf32      same, TF32 matmuls
  chunked-bf16      same, bf16 autocast (the scan itself runs in fp32, as Mamba does)
  compiled-tf32     chunked, each block wrapped in torch.compile; TF32
  compiled-bf16     chunked, torch.compile per block, bf16 autocast

The chunked scan (modeling_i3.chunked_selective_scan, config scan_impl="chunked") keeps the exact
recurrence h_t = a_t·h_{t-1} + b_t (a = exp(Δ·A), b = Δ·u·B): a sequential pass inside chunks of 16
steps (all chunks at once), then a pass over the 16 chunk carries, then one correction: 32 serial
steps instead of 256, no exp(-cumsum) overflow. A custom autograd function runs the same recurrence
backwards for the adjoint and saves only a and h. It is checked against the loop scan (values and
gradients, float64) before a chunked variant runs.

  python3 src/cli/torchBaseline.py [--preset i3-22m] [--batch 16] [--seq 256] [--steps 10]
      [--warmup 3] [--variants all|name,...] [--device cuda|cpu] [--json out.jsonl]
  /usr/bin/python3 src/cli/torchBaseline.py --device cpu --preset i3-test   (local smoke run)
"""

import argparse
import json
import os
import statistics
import sys
import time
import traceback

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "export", "hf"))
import modeling_i3  # noqa: E402
from configuration_i3 import I3Config  # noqa: E402

# The spec's presets (src/model/config.ts).
PRESETS = {
    "i3-22m": dict(vocab_size=4466, d_model=512, n_layers=24, n_heads=16, d_state=64, rank=128,
                   dt_rank=32, d_conv=4, max_seq_len=256),
    "i3-tiny": dict(vocab_size=4466, d_model=128, n_layers=4, n_heads=4, d_state=16, rank=32,
                    dt_rank=8, d_conv=4, max_seq_len=128),
    "i3-test": dict(vocab_size=64, d_model=16, n_layers=2, n_heads=2, d_state=4, rank=8,
                    dt_rank=2, d_conv=4, max_seq_len=16),
}
VARIANTS = ["eager-loop-fp32", "chunked-fp32", "chunked-tf32", "chunked-bf16", "compiled-tf32",
            "compiled-bf16"]
LOOP_SCAN = modeling_i3.selective_scan
chunked_selective_scan = modeling_i3.chunked_selective_scan


def check_chunked_scan(device):
    """The chunked scan gives the loop scan's values and gradients (float64, awkward T); returns
    the largest difference (scaleOut.test.ts prints it)."""
    g = torch.Generator().manual_seed(0)
    bt, T, d, n = 2, 37, 5, 3
    make = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64).to(device)  # noqa: E731
    u, B, C, D = make(bt, T, d), make(bt, T, n), make(bt, T, n), make(d)
    delta = torch.rand(bt, T, d, generator=g, dtype=torch.float64).to(device) * 0.5
    A = -torch.exp(make(d, n))
    weight = make(bt, T, d)
    results = []
    for scan in (LOOP_SCAN, chunked_selective_scan):
        inputs = [t.clone().requires_grad_() for t in (u, delta, A, B, C, D)]
        y = scan(*inputs)
        (y * weight).sum().backward()
        results.append([y.detach()] + [t.grad for t in inputs])
    for want, got in zip(*results):
        # float64 on both sides: only summation order differs.
        if not torch.allclose(got, want, rtol=1e-9, atol=1e-9):
            raise AssertionError(f"chunked scan differs from the loop: {(got - want).abs().max()}")
    return max(float((got - want).abs().max()) for want, got in zip(*results))


def flops_per_token(c, T):
    """Model FLOPs per token, the formula of src/cli/bench.ts (6·P_mm + attention + scan)."""
    D, L, N, r, R, V = c["d_model"], c["n_layers"], c["d_state"], c["rank"], c["dt_rank"], c["vocab_size"]
    p_mm = L * (11 * D * r + (R + 2 * N) * D + R * D) + V * D
    return 6 * p_mm + 6 * L * T * D + 21 * L * D * N


def build(cfg, variant, device):
    scan_impl = "sequential" if variant.startswith("eager-loop") else "chunked"
    torch.manual_seed(1)
    config = I3Config(**cfg)
    config.scan_impl = scan_impl
    model = modeling_i3.I3ForCausalLM(config).to(device)
    if variant.startswith("compiled"):
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"torch {torch.__version__} has no torch.compile")
        for i, layer in enumerate(model.model.layers):
            model.model.layers[i] = torch.compile(layer)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and "A_log" not in name else no_decay).append(p)
    extra = {"fused": True} if device == "cuda" else {}
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=6e-4, betas=(0.9, 0.95), eps=1e-8, **extra,
    )
    return model, opt


def set_precision(variant, device):
    """TF32 off for the fp32 variants; on for tf32 and for bf16 (what remains fp32 under autocast)."""
    if device != "cuda" and variant.endswith("tf32"):
        raise RuntimeError("TF32 is a CUDA setting")
    tf32 = variant.endswith("tf32") or variant.endswith("bf16")
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    torch.backends.cudnn.allow_tf32 = tf32


def run_variant(variant, args, cfg):
    device = args.device
    set_precision(variant, device)
    if variant != "eager-loop-fp32":
        check_chunked_scan(device)
    model, opt = build(cfg, variant, device)
    B, T, V = args.batch, args.seq, cfg["vocab_size"]
    gen = torch.Generator(device="cpu").manual_seed(2)
    bf16 = variant.endswith("bf16")

    def step():
        batch = torch.randint(1, V, (B, T + 1), generator=gen).to(device, non_blocking=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            logits = model.lm_head(model.model(batch[:, :T]))
        loss = F.cross_entropy(logits.float().reshape(-1, V), batch[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(args.warmup):
        first = step()
    first = float(first)
    warm_s = time.perf_counter() - t0
    times = []
    for _ in range(args.steps):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            loss = step()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter()
            loss = step()
            times.append((time.perf_counter() - t) * 1e3)
    ms = statistics.median(times)
    tok_s = B * T / (ms / 1e3)
    return {
        "variant": variant,
        "ms_per_step": ms,
        "ms_all": times,
        "tokens_per_s": tok_s,
        "model_tflops": flops_per_token(cfg, T) * tok_s / 1e12,
        "peak_bytes": torch.cuda.max_memory_allocated() if device == "cuda" else None,
        "warmup_s": warm_s,
        "loss_first": first,
        "loss_last": float(loss),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="i3-22m", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--variants", default="all")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--json", help="append one JSON line per variant to this file")
    args = ap.parse_args()
    cfg = PRESETS[args.preset]
    args.seq = args.seq or cfg["max_seq_len"]
    variants = VARIANTS if args.variants == "all" else args.variants.split(",")
    where = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"# torch baseline — {args.preset}, batch {args.batch} × T {args.seq}, torch {torch.__version__} on {where}")
    print(f"# {args.warmup} warm-up + {args.steps} timed steps; model FLOPs/token {flops_per_token(cfg, args.seq) / 1e6:.3g} M")
    for variant in variants:
        if variant not in VARIANTS:
            print(f"{variant}: unknown variant (one of {', '.join(VARIANTS)})")
            continue
        try:
            r = run_variant(variant, args, cfg)
        except Exception as e:  # OOM, compile errors, missing features: report and go on
            print(f"{variant}: skipped ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
            if not isinstance(e, RuntimeError) or "CUDA setting" not in str(e):
                traceback.print_exc(limit=3, file=sys.stderr)
            r = {"variant": variant, "skipped": f"{type(e).__name__}: {e}"}
        else:
            mem = f"{r['peak_bytes'] / 2**20:.0f} MiB" if r["peak_bytes"] is not None else "n/a"
            print(
                f"{variant}: {r['ms_per_step']:.2f} ms/step (median), {r['tokens_per_s']:.0f} tokens/s, "
                f"{r['model_tflops']:.3g} TFLOP/s model, peak memory {mem}, "
                f"warm-up {r['warmup_s']:.1f} s, loss {r['loss_first']:.3f} → {r['loss_last']:.3f}",
                flush=True,
            )
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps({"preset": args.preset, "batch": args.batch, "seq": args.seq, **r}) + "\n")
        if args.device == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
