"""Configuration of the i3 model (hybrid selective-scan SSM + low-rank latent attention).

The keys are those of the i3 spec and of config.json. Importable with or without transformers:
without it, I3Config is a plain attribute holder, enough to build the PyTorch model.
"""

try:
    from transformers import PretrainedConfig
except ImportError:  # plain PyTorch use: no Hub integration needed

    class PretrainedConfig:
        model_type = ""

        def __init__(self, **kwargs):
            for key, value in kwargs.items():
                setattr(self, key, value)


class I3Config(PretrainedConfig):
    model_type = "i3"
    # Generic names that transformers' utilities look up.
    attribute_map = {
        "hidden_size": "d_model",
        "num_hidden_layers": "n_layers",
        "num_attention_heads": "n_heads",
        "max_position_embeddings": "max_seq_len",
    }

    def __init__(
        self,
        vocab_size=4466,
        d_model=512,
        n_layers=24,
        n_heads=16,
        d_state=64,
        rank=128,
        dt_rank=32,
        d_conv=4,
        max_seq_len=256,
        norm_eps=1e-5,
        tie_word_embeddings=True,
        tokenizer_type="chunk",
        tokenizer_strategy="variable_2_3",
        pad_token_id=0,
        unk_token_id=1,
        bos_token_id=2,
        eos_token_id=3,
        use_cache=False,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.d_state = d_state
        self.rank = rank
        self.dt_rank = dt_rank
        self.d_conv = d_conv
        self.max_seq_len = max_seq_len
        self.norm_eps = norm_eps
        self.tokenizer_type = tokenizer_type
        self.tokenizer_strategy = tokenizer_strategy
        self.unk_token_id = unk_token_id
        # There is no cache: generation recomputes the prefix (see modeling_i3.py).
        self.use_cache = use_cache
        if d_model % n_heads != 0:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        if not tie_word_embeddings:
            raise ValueError("tie_word_embeddings must be true: the i3 head is the embedding")
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            tie_word_embeddings=tie_word_embeddings,
            **kwargs,
        )
