"""Interop checks of an exported i3 bundle with PyTorch (run by src/export/interop.test.ts).

    python3 test_interop.py check BUNDLE_ZIP WORK_DIR
        WORK_DIR holds expected.json ({tensors: [{name, shape, offset}], total_floats,
        parameter_count, tokens}) and params.f32 (the flat buffer the bundle was made from).
        Extracts the bundle to WORK_DIR/bundle, checks pytorch_model.bin, model.safetensors and
        modeling_i3.py against them, and writes the forward's logits to WORK_DIR/logits.json.
    python3 test_interop.py check-bf16 BF16_ZIP F32_ZIP WORK_DIR
        The same bundle exported in bfloat16 and in float32: each bfloat16 weight (in both files)
        PyTorch's own rounding of the float32 one, and modeling_i3.py's logits on them close to
        float32's.
    python3 test_interop.py forward BUNDLE_DIR TOKENS_JSON OUT_JSON
        Runs modeling_i3.py with the bundle's config.json and weights on TOKENS_JSON ([[ids...]]),
        writes {"shape": [B, T, V], "logits": [...]} to OUT_JSON.

Exits 2 with "SKIP: ..." when torch is missing, 1 with the failing check on a failure.
"""

import json
import math
import os
import struct
import sys
import zipfile

try:
    import torch
except ImportError:
    print("SKIP: this python has no torch")
    sys.exit(2)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def load_model(bundle_dir):
    """I3ForCausalLM from the bundle's own modeling_i3.py and config.json, weights loaded strictly."""
    sys.path.insert(0, bundle_dir)
    import modeling_i3  # noqa: E402  (the bundle's copy)

    with open(os.path.join(bundle_dir, "config.json")) as f:
        config = modeling_i3.I3Config(**json.load(f))
    model = modeling_i3.I3ForCausalLM(config).eval()
    state = torch.load(os.path.join(bundle_dir, "pytorch_model.bin"), weights_only=True)
    model.load_state_dict(state, strict=True)
    return modeling_i3, config, model


SAFETENSORS_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16}


def read_safetensors(path):
    """A small reference reader (the safetensors package when present)."""
    try:
        from safetensors.torch import load_file

        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    check((8 + n) % 8 == 0, "safetensors header is not padded to 8 bytes")
    header = json.loads(data[8 : 8 + n])
    check(header.get("__metadata__", {}).get("format") == "pt", "safetensors metadata format != pt")
    body = data[8 + n :]
    out, end = {}, 0
    for name, e in sorted(
        ((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]
    ):
        check(e["dtype"] in SAFETENSORS_DTYPES, f"{name}: dtype {e['dtype']}")
        a, b = e["data_offsets"]
        check(a == end, f"{name}: gap before its data")
        end = b
        dtype = SAFETENSORS_DTYPES[e["dtype"]]
        out[name] = torch.frombuffer(bytearray(body[a:b]), dtype=dtype).reshape(e["shape"])
    check(end == len(body), "safetensors data has trailing bytes")
    return out


def forward_logits(model, tokens):
    with torch.no_grad():
        return model(torch.tensor(tokens, dtype=torch.long)).logits


def check_bundle(zip_path, work):
    with open(os.path.join(work, "expected.json")) as f:
        expected = json.load(f)
    flat = torch.from_numpy(__import__("numpy").fromfile(os.path.join(work, "params.f32"), dtype="<f4"))
    check(flat.numel() == expected["total_floats"], "params.f32 size")
    want = {
        t["name"]: flat[t["offset"] : t["offset"] + math.prod(t["shape"])].reshape(t["shape"])
        for t in expected["tensors"]
    }
    bundle = os.path.join(work, "bundle")
    with zipfile.ZipFile(zip_path) as z:
        check(z.testzip() is None, "a bundle entry fails its CRC")
        z.extractall(bundle)

    # pytorch_model.bin: torch's own loader, in its safe mode.
    bin_path = os.path.join(bundle, "pytorch_model.bin")
    state = torch.load(bin_path, weights_only=True)
    names = [t["name"] for t in expected["tensors"]] + ["lm_head.weight"]
    check(list(state.keys()) == names, f"state_dict keys differ: {list(state.keys())[:4]}...")
    for name, w in want.items():
        check(list(state[name].shape) == list(w.shape), f"{name}: shape {list(state[name].shape)}")
        check(torch.equal(state[name], w), f"{name}: values differ")
    head, embed = state["lm_head.weight"], state["model.embed_tokens.weight"]
    check(head.storage().data_ptr() == embed.storage().data_ptr(), "lm_head.weight has its own storage")
    with zipfile.ZipFile(bin_path) as z, open(bin_path, "rb") as f:
        check(z.testzip() is None, "a pytorch_model.bin entry fails its CRC")
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            name_len, extra_len = struct.unpack("<HH", f.read(4))
            start = info.header_offset + 30 + name_len + extra_len
            check(start % 64 == 0, f"{info.filename} data starts at {start}, not 64-byte aligned")
            check(info.compress_type == zipfile.ZIP_STORED, f"{info.filename} is compressed")
        check(z.read("pytorch_model/byteorder") == b"little", "byteorder record")

    # model.safetensors: the same tensors, the tied head stored once.
    st = read_safetensors(os.path.join(bundle, "model.safetensors"))
    check(set(st) == set(want), f"safetensors names differ: {sorted(set(st) ^ set(want))[:4]}")
    for name, w in want.items():
        check(torch.equal(st[name], w), f"safetensors {name}: values differ")

    # modeling_i3.py: strict load, spec parameter count, finite logits, causality, loss.
    modeling, config, model = load_model(bundle)
    unique = {id(p): p.numel() for p in model.parameters()}
    check(sum(unique.values()) == expected["parameter_count"], f"parameter count {sum(unique.values())}")
    check(model.lm_head.weight is model.model.embed_tokens.weight, "lm_head is not tied")
    tokens = expected["tokens"]
    logits = forward_logits(model, tokens)
    check(list(logits.shape) == [len(tokens), len(tokens[0]), config.vocab_size], f"logits {logits.shape}")
    check(bool(torch.isfinite(logits).all()), "non-finite logits")
    changed = [row[:] for row in tokens]
    t = len(tokens[0]) // 2
    changed[0][t] = (changed[0][t] + 1) % config.vocab_size
    after = forward_logits(model, changed)
    # Positions before t cannot see token t: bit-identical; position t and later must move.
    check(torch.equal(after[0, :t], logits[0, :t]), "a logit depends on a later token")
    check(not torch.equal(after[0, t:], logits[0, t:]), "changing a token changed no logit")
    # Past max_seq_len attention keeps a window of the last max_seq_len positions.
    longer = forward_logits(model, [tokens[0] + tokens[0][:5]])
    check(bool(torch.isfinite(longer).all()), "non-finite logits past max_seq_len")
    check(torch.equal(longer[0, : len(tokens[0])], logits[0]), "the prefix's logits changed with a longer input")
    ids = torch.tensor(tokens)
    loss = model(ids, labels=ids).loss
    check(bool(torch.isfinite(loss)), "non-finite loss")
    # The safetensors weights (no lm_head entry) give the same model once the head is tied.
    other = modeling.I3ForCausalLM(config).eval()
    missing, unexpected = other.load_state_dict(st, strict=False)
    check(list(missing) == ["lm_head.weight"] and not unexpected, f"safetensors load: {missing} {unexpected}")
    check(torch.equal(forward_logits(other, tokens), logits), "safetensors weights give other logits")
    # The Python init follows the spec too.
    fresh = modeling.I3ForCausalLM(config).model.layers[0].ssm
    n = torch.arange(1, config.d_state + 1, dtype=torch.float32)
    check(torch.allclose(fresh.A_log, torch.log(n).expand_as(fresh.A_log)), "A_log init")
    check(bool((fresh.D == 1).all()), "D init")
    dt = torch.nn.functional.softplus(fresh.dt_proj.bias)
    check(bool(((dt > 0.99e-3) & (dt < 1.01e-1)).all()), "dt bias init")

    # A file torch.save writes itself, for the TS reader (zip64 records, _metadata, tied storage).
    torch.save(model.state_dict(), os.path.join(work, "torch_saved.bin"))
    write_logits(logits, os.path.join(work, "logits.json"))
    print(json.dumps({"ok": True, "loss": float(loss), "tensors": len(state)}))


def check_bf16(bf16_zip, f32_zip, work):
    """A bundle exported in bfloat16 against the same one in float32: each weight PyTorch's own
    rounding of the float32 one, in both weight files, and the bundle's model runs on them."""
    dirs = {}
    for name, path in (("f32", f32_zip), ("bf16", bf16_zip)):
        dirs[name] = os.path.join(work, f"bundle_{name}")
        with zipfile.ZipFile(path) as z:
            z.extractall(dirs[name])
    full = torch.load(os.path.join(dirs["f32"], "pytorch_model.bin"), weights_only=True)
    half = torch.load(os.path.join(dirs["bf16"], "pytorch_model.bin"), weights_only=True)
    check(list(half) == list(full), "state_dict keys differ")
    for name, w in full.items():
        check(half[name].dtype == torch.bfloat16, f"{name}: dtype {half[name].dtype}")
        check(torch.equal(half[name], w.to(torch.bfloat16)), f"{name}: not PyTorch's rounding")
    tied = half["lm_head.weight"].data_ptr() == half["model.embed_tokens.weight"].data_ptr()
    check(tied, "lm_head.weight does not share the embedding's storage")
    st = read_safetensors(os.path.join(dirs["bf16"], "model.safetensors"))
    check(set(st) == set(half) - {"lm_head.weight"}, "safetensors names differ")
    for name, t in st.items():
        check(torch.equal(t, half[name]), f"safetensors {name}: values differ")
    # The bundle's own model on them (load_state_dict widens them), against float32's: each weight
    # moved by at most 2^-8 of itself, and through a few products the logits move by a few percent
    # of their spread (2.8% seen, the next-token probabilities 1.4% of the largest); 2^-4 for both.
    _, config, model_f32 = load_model(dirs["f32"])
    model_bf16 = type(model_f32)(config).eval()
    model_bf16.load_state_dict(half, strict=True)
    tokens = [[(7 * i + 3) % config.vocab_size for i in range(config.max_seq_len)]]
    a, b = forward_logits(model_f32, tokens), forward_logits(model_bf16, tokens)
    logits = float((a - b).std() / a.std())
    pa, pb = torch.softmax(a, -1), torch.softmax(b, -1)
    probs = float((pa - pb).abs().max() / pa.max())
    check(logits <= 2**-4, f"bfloat16 logits moved by {logits:.3f} of their spread")
    check(probs <= 2**-4, f"bfloat16 probabilities moved by {probs:.3f} of the largest")
    print(json.dumps({"ok": True, "tensors": len(half), "logits_moved": logits, "probs_moved": probs}))


def write_logits(logits, path):
    with open(path, "w") as f:
        json.dump({"shape": list(logits.shape), "logits": logits.reshape(-1).tolist()}, f)


def main(argv):
    if argv[1] == "check":
        check_bundle(argv[2], argv[3])
    elif argv[1] == "check-bf16":
        check_bf16(argv[2], argv[3], argv[4])
    elif argv[1] == "forward":
        with open(argv[3]) as f:
            tokens = json.load(f)
        _, _, model = load_model(argv[2])
        write_logits(forward_logits(model, tokens), argv[4])
    else:
        raise SystemExit(f"unknown command {argv[1]}")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
