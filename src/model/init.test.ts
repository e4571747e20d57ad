import { describe, expect, it } from 'vitest';
import { type I3Config, PRESETS } from './config';
import { DT_MAX, DT_MIN, EMBED_STD, initParameters } from './init';
import { parameterLayout } from './params';

function stats(x: Float32Array) {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / x.length;
  return { mean, std: Math.sqrt(s2 / x.length - mean * mean), min, max, n: x.length };
}

/** All the values of every tensor whose name ends with `suffix`, concatenated. */
function gather(c: I3Config, params: Float32Array, suffix: string): Float32Array {
  const parts = parameterLayout(c).tensors.filter((t) => t.name.endsWith(suffix));
  const out = new Float32Array(parts.reduce((s, t) => s + t.size, 0));
  let at = 0;
  for (const t of parts) {
    out.set(params.subarray(t.offset, t.offset + t.size), at);
    at += t.size;
  }
  return out;
}

describe('initParameters', () => {
  // i3-tiny has enough samples per tensor kind (≥ 16k) to test moments tightly and stays fast.
  const c = PRESETS['i3-tiny'];
  const params = initParameters(c, 1234);
  const { d_model: D, rank: r, n_layers: L, d_conv: K, dt_rank: R } = c;

  it('is deterministic per seed and differs across seeds', () => {
    expect(initParameters(c, 1234)).toEqual(params);
    expect(initParameters(c, 1235)).not.toEqual(params);
  });

  it('leaves padding zero', () => {
    const layout = parameterLayout(c);
    let end = 0;
    for (const t of layout.tensors) {
      for (let i = end; i < t.offset; i++) expect(params[i]).toBe(0);
      end = t.offset + t.size;
    }
    for (let i = end; i < layout.totalFloats; i++) expect(params[i]).toBe(0);
  });

  // Normal draws: the sample mean has std σ/√n and the sample std relative error ≈ 1/√(2n); with
  // n ≥ 16k both are under 1%, so 5σ-style bounds of 5% on std and 0.05σ on the mean never flake,
  // while a wrong scale factor (≥ √2 off for every rule here) fails by far.
  const normals: [string, number][] = [
    ['embed_tokens.weight', EMBED_STD],
    ['in_proj.down.weight', 1 / Math.sqrt(D)],
    ['ssm.out_proj.down.weight', 1 / Math.sqrt(D)],
    ['attn.latent.weight', 1 / Math.sqrt(D)],
    ['in_proj.up.weight', 1 / Math.sqrt(r)],
    ['attn.q.weight', 1 / Math.sqrt(r)],
    ['attn.k.weight', 1 / Math.sqrt(r)],
    ['attn.v.weight', 1 / Math.sqrt(r)],
    ['x_proj.weight', 1 / Math.sqrt(D)],
    ['ssm.out_proj.up.weight', 1 / Math.sqrt(r) / Math.sqrt(2 * L)],
    ['attn.out_proj.up.weight', 1 / Math.sqrt(r) / Math.sqrt(2 * L)],
  ];
  for (const [suffix, std] of normals) {
    it(`${suffix} ~ N(0, ${std.toPrecision(3)})`, () => {
      const s = stats(gather(c, params, suffix));
      expect(s.n).toBeGreaterThan(2000);
      expect(Math.abs(s.mean)).toBeLessThan(0.05 * std);
      expect(Math.abs(s.std / std - 1)).toBeLessThan(0.05);
    });
  }

  // Uniform(±b): std b/√3; the values must stay inside the bounds and fill them.
  const uniforms: [string, number][] = [
    ['ssm.conv.weight', 1 / Math.sqrt(K)],
    ['dt_proj.weight', 1 / Math.sqrt(R)],
  ];
  for (const [suffix, b] of uniforms) {
    it(`${suffix} ~ U(±${b.toPrecision(3)})`, () => {
      const s = stats(gather(c, params, suffix));
      expect(s.min).toBeGreaterThanOrEqual(-b);
      expect(s.max).toBeLessThanOrEqual(b);
      expect(s.max - s.min).toBeGreaterThan(1.9 * b);
      expect(Math.abs(s.std / (b / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    });
  }

  it('sets norms and D to 1, conv bias to 0', () => {
    for (const suffix of ['norm.weight', 'ssm.D']) {
      expect(gather(c, params, suffix).every((v) => v === 1)).toBe(true);
    }
    expect(gather(c, params, 'conv.bias').every((v) => v === 0)).toBe(true);
  });

  it('sets A_log[c, n] = log(n + 1)', () => {
    const a = gather(c, params, 'ssm.A_log');
    const N = c.d_state;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(Math.log((i % N) + 1), 6);
  });

  it('puts softplus(dt bias) log-uniform in [1e-3, 1e-1]', () => {
    const dt = Array.from(gather(c, params, 'dt_proj.bias'), (b) => Math.log1p(Math.exp(b)));
    // f32 rounding of the bias moves softplus by < 1e-6 relative.
    for (const v of dt) {
      expect(v).toBeGreaterThanOrEqual(DT_MIN * (1 - 1e-5));
      expect(v).toBeLessThanOrEqual(DT_MAX * (1 + 1e-5));
    }
    // log dt is uniform on [log 1e-3, log 1e-1]: mean at the midpoint (log 1e-2); n = 512 samples of
    // std 1.33 give a standard error 0.06, so 0.3 is 5 standard errors.
    const meanLog = dt.reduce((s, v) => s + Math.log(v), 0) / dt.length;
    expect(Math.abs(meanLog - Math.log(1e-2))).toBeLessThan(0.3);
  });
});
