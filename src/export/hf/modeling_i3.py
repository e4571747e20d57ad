"""The i3 model in plain PyTorch: a readable reference of the i3 spec.

Each of the n_layers blocks is
    x = x + SSM(RMSNorm(x))     Mamba-style selective scan, inner width d_model, low-rank in/out maps
    x = x + Attn(RMSNorm(x))    causal multi-head attention on a shared rank-r latent
and the head is tied to the embedding. There is no positional embedding: the SSM gives the order.

Written for clarity first: the reference scan is a loop over time (`selective_scan`), and generation
has no cache (each new token recomputes the whole prefix). For training (train_i3.py) the config key
`scan_impl="chunked"` selects `chunked_selective_scan`, the same recurrence in chunks with a hand-written
backward: far fewer serial steps on a GPU. Works with transformers 4.x/5.x (AutoModelForCausalLM with
trust_remote_code=True) and, without transformers, as a plain torch.nn.Module (PyTorch >= 1.13).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

try:
    from .configuration_i3 import I3Config
except ImportError:  # loaded as a top-level module, next to configuration_i3.py
    import importlib

    I3Config = importlib.import_module("configuration_i3").I3Config

try:
    import transformers
    from transformers import GenerationMixin, PreTrainedModel
    from transformers.modeling_outputs import CausalLMOutput

    _TRANSFORMERS_MAJOR = int(transformers.__version__.split(".")[0])
except ImportError:  # plain PyTorch: minimal stand-ins for what this file uses
    _TRANSFORMERS_MAJOR = None

    class PreTrainedModel(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config

        def post_init(self):
            self.apply(self._init_weights)
            self.tie_weights()

        def get_output_embeddings(self):
            return None

        def tie_weights(self):
            head = self.get_output_embeddings()
            if head is not None:
                head.weight = self.get_input_embeddings().weight

    class GenerationMixin:
        pass

    class CausalLMOutput(dict):
        def __getattr__(self, name):
            return self.get(name)


class I3RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class I3LowRank(nn.Module):
    """y = up(down(x)): two bias-free maps through rank r."""

    def __init__(self, d_in, d_out, rank, up_std):
        super().__init__()
        self.down = nn.Linear(d_in, rank, bias=False)
        self.up = nn.Linear(rank, d_out, bias=False)
        self.up_std = up_std  # init std of `up` (out_proj maps are scaled by 1/sqrt(2L))

    def forward(self, x):
        return self.up(self.down(x))


def selective_scan(u, delta, A, B, C, D):
    """h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t u_t;  y_t = C_t · h_t + D u_t  (per channel, h_{-1} = 0).

    u, delta: (batch, T, d); A: (d, n); B, C: (batch, T, n); D: (d,). Returns (batch, T, d).
    """
    batch, T, d = u.shape
    h = u.new_zeros(batch, d, A.shape[1])
    ys = []
    for t in range(T):
        dt = delta[:, t, :, None]  # (batch, d, 1)
        h = torch.exp(dt * A) * h + dt * B[:, t, None, :] * u[:, t, :, None]
        ys.append((h * C[:, t, None, :]).sum(-1) + D * u[:, t])
    return torch.stack(ys, dim=1)


SCAN_CHUNK = 16


def _linear_recurrence(a, b):
    """h_t = a_t·h_{t-1} + b_t along dim 1 (h_{-1} = 0), chunked; a, b: (batch, T, d, n).

    A sequential pass inside chunks of SCAN_CHUNK steps (all chunks at once), a pass over the chunk
    carries, then one correction: T/16 + 16 serial steps instead of T, and no exp(-cumsum) overflow.
    """
    batch, T, d, n = a.shape
    nc = -(-T // SCAN_CHUNK)
    pad = nc * SCAN_CHUNK - T
    if pad:  # a = 1, b = 0 past the end leave the states unchanged
        a = torch.cat([a, a.new_ones(batch, pad, d, n)], 1)
        b = torch.cat([b, b.new_zeros(batch, pad, d, n)], 1)
    a = a.reshape(batch, nc, SCAN_CHUNK, d, n)
    h = b.reshape(batch, nc, SCAN_CHUNK, d, n).clone()
    prod = a.clone()  # running product of a inside each chunk
    for i in range(1, SCAN_CHUNK):
        h[:, :, i] = torch.addcmul(h[:, :, i], a[:, :, i], h[:, :, i - 1])
        prod[:, :, i] = prod[:, :, i] * prod[:, :, i - 1]
    carry = torch.zeros_like(h[:, 0, 0])
    carries = [carry]
    for k in range(1, nc):
        carry = torch.addcmul(h[:, k - 1, -1], prod[:, k - 1, -1], carry)
        carries.append(carry)
    h = torch.addcmul(h, prod, torch.stack(carries, 1)[:, :, None])
    return h.reshape(batch, nc * SCAN_CHUNK, d, n)[:, :T]


class LinearRecurrence(torch.autograd.Function):
    """The chunked recurrence with its adjoint; saves only a and h."""

    @staticmethod
    def forward(ctx, a, b):
        h = _linear_recurrence(a, b)
        ctx.save_for_backward(a, h)
        return h

    @staticmethod
    def backward(ctx, grad_h):
        a, h = ctx.saved_tensors
        # Adjoint g_t = grad_h_t + a_{t+1}·g_{t+1}: the same recurrence, reversed in time.
        a_next = torch.cat([a[:, 1:], torch.zeros_like(a[:, :1])], 1)
        g = _linear_recurrence(a_next.flip(1), grad_h.flip(1)).flip(1)
        h_prev = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], 1)
        return g * h_prev, g


def chunked_selective_scan(u, delta, A, B, C, D):
    """selective_scan's arguments and result, computed chunked (in fp32 or wider, as Mamba does)."""
    dtype = u.dtype
    work = torch.promote_types(dtype, torch.float32)
    u, delta, A, B, C, D = (t.to(work) for t in (u, delta, A, B, C, D))
    a = torch.exp(delta[..., None] * A)
    b = (delta * u)[..., None] * B[:, :, None, :]
    h = LinearRecurrence.apply(a, b)
    y = (h * C[:, :, None, :]).sum(-1) + D * u
    return y.to(dtype)


SCANS = {"sequential": selective_scan, "chunked": chunked_selective_scan}


class I3SSM(nn.Module):
    def __init__(self, config):
        super().__init__()
        d, r, n = config.d_model, config.rank, config.d_state
        self.d_state = n
        self.dt_rank = config.dt_rank
        self.d_conv = config.d_conv
        self.scan_impl = getattr(config, "scan_impl", "sequential")
        if self.scan_impl not in SCANS:
            raise ValueError(f"scan_impl must be one of {sorted(SCANS)}, got {self.scan_impl!r}")
        scale_out = 1.0 / math.sqrt(2 * config.n_layers)
        self.in_proj = I3LowRank(d, 2 * d, r, 1.0 / math.sqrt(r))
        self.conv = nn.Conv1d(d, d, config.d_conv, groups=d, padding=config.d_conv - 1)
        self.x_proj = nn.Linear(d, config.dt_rank + 2 * n, bias=False)
        self.dt_proj = nn.Linear(config.dt_rank, d, bias=True)
        self.A_log = nn.Parameter(torch.empty(d, n))
        self.D = nn.Parameter(torch.empty(d))
        self.out_proj = I3LowRank(d, d, r, scale_out / math.sqrt(r))

    def forward(self, x):
        T = x.shape[1]
        u, z = self.in_proj(x).chunk(2, dim=-1)
        # Causal depthwise conv: pad K-1 on both sides, keep the first T outputs.
        u = F.silu(self.conv(u.transpose(1, 2))[..., :T].transpose(1, 2))
        delta, B, C = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(delta))
        A = -torch.exp(self.A_log)
        y = SCANS[self.scan_impl](u, delta, A, B, C, self.D)
        return self.out_proj(y * F.silu(z))


class I3Attention(nn.Module):
    """Causal attention whose q, k, v all come from one rank-r latent c = x W_latentᵀ.

    A query sees at most the last max_seq_len positions (itself included), as the spec's generation
    cache keeps the last T latents; within training lengths this is plain causal attention.
    """

    def __init__(self, config):
        super().__init__()
        d, r = config.d_model, config.rank
        self.n_heads = config.n_heads
        self.window = config.max_seq_len
        self.latent = nn.Linear(d, r, bias=False)
        self.q = nn.Linear(r, d, bias=False)
        self.k = nn.Linear(r, d, bias=False)
        self.v = nn.Linear(r, d, bias=False)
        self.out_proj = I3LowRank(d, d, r, 1.0 / math.sqrt(r) / math.sqrt(2 * config.n_layers))

    def forward(self, x):
        batch, T, d = x.shape
        hd = d // self.n_heads
        c = self.latent(x)

        def heads(t):
            return t.view(batch, T, self.n_heads, hd).transpose(1, 2)  # (batch, H, T, hd)

        q, k, v = heads(self.q(c)), heads(self.k(c)), heads(self.v(c))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        ones = torch.ones(T, T, dtype=torch.bool, device=x.device)
        hidden = ones.triu(1) | ones.tril(-self.window)  # the future, and what left the window
        scores = scores.masked_fill(hidden, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        return self.out_proj(a.transpose(1, 2).reshape(batch, T, d))


class I3Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ssm_norm = I3RMSNorm(config.d_model, config.norm_eps)
        self.ssm = I3SSM(config)
        self.attn_norm = I3RMSNorm(config.d_model, config.norm_eps)
        self.attn = I3Attention(config)

    def forward(self, x):
        x = x + self.ssm(self.ssm_norm(x))
        return x + self.attn(self.attn_norm(x))


def _untouched(p):
    """False for tensors transformers has already loaded (v5 marks them), so init skips them."""
    return not getattr(p, "_is_hf_initialized", False)


class I3PreTrainedModel(PreTrainedModel):
    config_class = I3Config
    base_model_prefix = "model"
    _no_split_modules = ["I3Block"]
    supports_gradient_checkpointing = False

    @torch.no_grad()
    def _init_weights(self, module):
        """The spec's initialisation, per module (the tied lm_head is left to the embedding)."""

        def normal(p, std):
            if _untouched(p):
                p.normal_(0.0, std)

        def uniform(p, bound):
            if _untouched(p):
                p.uniform_(-bound, bound)

        def fill(p, value):
            if _untouched(p):
                p.copy_(value if torch.is_tensor(value) else torch.full_like(p, value))

        config = self.config
        if isinstance(module, nn.Embedding):
            normal(module.weight, 0.02)
        elif isinstance(module, I3RMSNorm):
            fill(module.weight, 1.0)
        elif isinstance(module, I3LowRank):
            normal(module.down.weight, 1.0 / math.sqrt(module.down.in_features))
            normal(module.up.weight, module.up_std)
        elif isinstance(module, I3Attention):
            normal(module.latent.weight, 1.0 / math.sqrt(config.d_model))
            for proj in (module.q, module.k, module.v):
                normal(proj.weight, 1.0 / math.sqrt(config.rank))
        elif isinstance(module, I3SSM):
            uniform(module.conv.weight, 1.0 / math.sqrt(config.d_conv))
            fill(module.conv.bias, 0.0)
            normal(module.x_proj.weight, 1.0 / math.sqrt(config.d_model))
            uniform(module.dt_proj.weight, config.dt_rank**-0.5)
            # Δ starts log-uniform in [1e-3, 1e-1]: the bias is softplus⁻¹(dt) = dt + log(1 - e^-dt).
            dt = torch.exp(torch.empty(config.d_model).uniform_(math.log(1e-3), math.log(1e-1)))
            fill(module.dt_proj.bias, dt + torch.log(-torch.expm1(-dt)))
            n = torch.arange(1, config.d_state + 1, dtype=torch.float32)
            fill(module.A_log, torch.log(n).expand(config.d_model, -1).clone())
            fill(module.D, 1.0)


class I3Model(I3PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.layers = nn.ModuleList(I3Block(config) for _ in range(config.n_layers))
        self.norm = I3RMSNorm(config.d_model, config.norm_eps)
        self.post_init()

    def get_input_embeddings(self):
        return self.embed_tokens

    def set_input_embeddings(self, value):
        self.embed_tokens = value

    def forward(self, input_ids):
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class I3ForCausalLM(I3PreTrainedModel, GenerationMixin):
    # transformers 5 maps tied parameters to their source; 4.x lists them.
    _tied_weights_keys = (
        {"lm_head.weight": "model.embed_tokens.weight"}
        if (_TRANSFORMERS_MAJOR or 0) >= 5
        else ["lm_head.weight"]
    )

    def __init__(self, config):
        super().__init__(config)
        self.model = I3Model(config)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def set_input_embeddings(self, value):
        self.model.embed_tokens = value

    def get_output_embeddings(self):
        return self.lm_head

    def set_output_embeddings(self, value):
        self.lm_head = value

    def forward(self, input_ids=None, attention_mask=None, labels=None, return_dict=None, **kwargs):
        """Logits (batch, T, vocab); with labels, the mean next-token loss (labels -100 ignored).

        attention_mask is accepted for API compatibility but not applied: i3 is trained on packed,
        unpadded sequences; batch prompts of different lengths should be generated one by one.
        """
        logits = self.lm_head(self.model(input_ids))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                labels[:, 1:].reshape(-1),
                ignore_index=-100,
            )
        if return_dict is False:
            return (loss, logits) if loss is not None else (logits,)
        return CausalLMOutput(loss=loss, logits=logits)

    def prepare_inputs_for_generation(self, input_ids, attention_mask=None, **kwargs):
        # No cache: every step runs the whole sequence again.
        return {"input_ids": input_ids, "attention_mask": attention_mask}
