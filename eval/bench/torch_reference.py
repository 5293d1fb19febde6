#!/usr/bin/env python3
"""PyTorch (Python) implementation of adit's architecture and training/sampling steps, for the
side-by-side speed comparison of eval/bench/bench_gpu.cpp (run both in the same device call; see
docs/BENCHMARKS.md, ## GPU). Same shapes as configs/vae-joint.toml, dit-s-joint.toml and
dit-b-joint.toml: pre-norm transformer VAE (8+8 layers, d=512, 8 heads, ff 2048, latent 8),
adaLN-Zero DiT (DiT-S d=384/6 heads, DiT-B d=768/12 heads, 12 layers, MLP x4) with
self-conditioning and CFG, flow matching with the linear interpolant and x1 prediction.
Idiomatic PyTorch: nn.Linear per projection, F.scaled_dot_product_attention with the padding
mask, torch.optim.AdamW (default: foreach on CUDA), an EMA, global-norm clipping, bf16 through
torch.autocast. Batches: 256 molecules drawn from QM9's atom-count histogram, padded to the
batch maximum. Not used by adit at run time.

  python3 eval/bench/torch_reference.py --device cuda --precision fp32,bf16 [--steps 30]
"""
import argparse
import json
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SYMBOLS = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F"}
QM9_HISTOGRAM = [0, 0, 0, 2, 4, 4, 11, 16, 52, 119, 343, 770, 1689, 3285, 5711, 8964, 12312, 15228, 15658,
                 16305, 11151, 11803, 3971, 5682, 638, 1764, 53, 318, 0, 32]


def sinusoidal(x, dim, max_period=10000.0):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=x.device, dtype=torch.float32) / half)
    args = x.float().unsqueeze(-1) * freqs
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.GELU(approximate="tanh"), nn.Linear(h, o))


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, mask):
        B, N, d = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])
        return self.o(out.transpose(1, 2).reshape(B, N, d))


class Block(nn.Module):
    def __init__(self, d, heads, ff, cond):
        super().__init__()
        self.cond = cond
        self.n1 = nn.LayerNorm(d, eps=1e-6, elementwise_affine=not cond)
        self.n2 = nn.LayerNorm(d, eps=1e-6, elementwise_affine=not cond)
        self.attn = Attention(d, heads)
        self.mlp = mlp(d, ff, d)
        if cond:
            self.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
            nn.init.zeros_(self.ada[1].weight)
            nn.init.zeros_(self.ada[1].bias)

    def forward(self, x, mask, c=None):
        if not self.cond:
            x = x + self.attn(self.n1(x), mask)
            return x + self.mlp(self.n2(x))
        m = self.ada(c).unsqueeze(1).chunk(6, -1)
        x = x + m[2] * self.attn(self.n1(x) * (1 + m[1]) + m[0], mask)
        return x + m[5] * self.mlp(self.n2(x) * (1 + m[4]) + m[3])


class Encoder(nn.Module):
    def __init__(self, d, heads, layers, ff):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d, heads, ff, False) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, eps=1e-6)

    def forward(self, x, mask):
        for b in self.blocks:
            x = b(x, mask)
        return self.norm(x)


class VAE(nn.Module):
    def __init__(self, d=512, heads=8, layers=8, ff=2048, latent=8, zmax=100):
        super().__init__()
        self.d = d
        self.encoder = Encoder(d, heads, layers, ff)
        self.decoder = Encoder(d, heads, layers, ff)
        self.type_embed = nn.Embedding(zmax + 1, d)
        self.enc_sys = nn.Embedding(2, d)
        self.dec_sys = nn.Embedding(2, d)
        self.cart = mlp(3, d, d)
        self.frac = mlp(3, d, d)
        self.latent_head = nn.Linear(d, 2 * latent)
        self.latent_in = nn.Linear(latent, d)
        self.type_head = nn.Linear(d, zmax + 1)
        self.cart_head = nn.Linear(d, 3)
        self.frac_head = nn.Linear(d, 3)
        self.lattice_head = mlp(d, d, 6)

    def pos(self, mask):
        idx = torch.arange(mask.shape[1], device=mask.device).unsqueeze(0).expand_as(mask)
        return sinusoidal(idx, self.d)

    def encode(self, z, pos, frac, mask, system, corrupt):
        if corrupt:
            pick = (torch.rand(mask.shape, device=pos.device) < 0.1).float().unsqueeze(-1)
            pos = pos + pick * 0.1 * torch.randn_like(pos)
            frac = frac + pick * 0.1 * torch.randn_like(frac)
        h = self.type_embed(z) + self.cart(pos) + self.frac(frac) + self.pos(mask) + self.enc_sys(system).unsqueeze(1)
        mu, logvar = self.latent_head(self.encoder(h, mask)).chunk(2, -1)
        return mu, logvar.clamp(-20, 10)

    def decode(self, lat, system, mask):
        h = self.decoder(self.latent_in(lat) + self.pos(mask) + self.dec_sys(system).unsqueeze(1), mask)
        mf = mask.to(h.dtype).unsqueeze(-1)
        pooled = (h * mf).sum(1) / mf.sum(1).clamp_min(1)
        return self.type_head(h), self.cart_head(h), self.frac_head(h), self.lattice_head(pooled)

    def loss(self, z, pos, frac, lattice, mask, system):
        mu, logvar = self.encode(z, pos, frac, mask, system, True)
        mu, logvar = mu.float(), logvar.float()
        lat = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        t, c, f, l = (x.float() for x in self.decode(lat, system, mask))
        mf = mask.float()
        mm = lambda x: (x * mf).sum(1) / mf.sum(1).clamp_min(1)
        ce = F.cross_entropy(t.reshape(-1, t.shape[-1]), z.reshape(-1), reduction="none").view_as(mf)
        mol = (system == 0).float()
        loss = (mm(ce) + 10 * mol * mm((c - pos).pow(2).mean(-1)) + 10 * (1 - mol) * mm((f - frac).pow(2).mean(-1))
                + (1 - mol) * ((l[:, :3] - lattice[:, :3]).pow(2).mean(-1) + 10 * (l[:, 3:] - lattice[:, 3:]).pow(2).mean(-1)))
        kl = mm((-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(-1))
        return loss.mean() + 1e-5 * kl.mean()


class DiT(nn.Module):
    def __init__(self, d, heads, layers=12, latent=8, classes=2):
        super().__init__()
        self.d, self.C, self.classes = d, latent, classes
        self.blocks = nn.ModuleList([Block(d, heads, 4 * d, True) for _ in range(layers)])
        self.x_embed = nn.Linear(2 * latent, d)
        self.t_embed = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))
        self.y_embed = nn.Embedding(classes + 1, d)
        self.final_norm = nn.LayerNorm(d, eps=1e-6, elementwise_affine=False)
        self.final_ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))
        self.final = nn.Linear(d, latent)

    def forward(self, x, t, y, mask, sc):
        idx = torch.arange(x.shape[1], device=x.device).unsqueeze(0).expand_as(mask)
        h = self.x_embed(torch.cat([x, sc], -1)) + sinusoidal(idx, self.d)
        c = self.t_embed(sinusoidal(t * 1000.0, 256)) + self.y_embed(y)
        for b in self.blocks:
            h = b(h, mask, c)
        shift, scale = self.final_ada(c).unsqueeze(1).chunk(2, -1)
        return self.final(self.final_norm(h) * (1 + scale) + shift) * mask.to(h.dtype).unsqueeze(-1)

    def loss(self, x1, y, mask):
        B = x1.shape[0]
        mf = mask.float().unsqueeze(-1)
        x0 = torch.randn_like(x1) * mf
        t = torch.rand(B, device=x1.device) * 0.98 + 0.01
        xt = (1 - t.view(B, 1, 1)) * x0 + t.view(B, 1, 1) * x1
        y = torch.where(torch.rand(B, device=x1.device) < 0.1, torch.full_like(y, self.classes), y)
        use = (torch.rand(B, device=x1.device) < 0.5).float().view(B, 1, 1)
        with torch.no_grad():
            sc = self.forward(xt, t, y, mask, torch.zeros_like(x1)).float() * use
        pred = self.forward(xt, t, y, mask, sc).float()
        return ((pred - x1).pow(2) * mf).sum() / (mf.sum() * self.C)


def draw_batch(rng, B, device):
    p = np.array(QM9_HISTOGRAM, dtype=np.float64)
    n = rng.choice(len(p), size=B, p=p / p.sum())
    N = int(n.max())
    mask = torch.from_numpy(np.arange(N)[None, :] < n[:, None])
    z = torch.from_numpy(rng.choice([1, 6, 7, 8, 9], size=(B, N), p=[.5, .35, .06, .08, .01])) * mask
    pos = torch.from_numpy(rng.normal(0, 1.6, size=(B, N, 3)).astype(np.float32)) * mask.unsqueeze(-1)
    return [t.to(device, non_blocking=True) for t in (z, pos, torch.zeros(B, N, 3), torch.zeros(B, 6), mask,
                                                       torch.zeros(B, dtype=torch.long))], float(n.mean())


class EMA:
    def __init__(self, model):
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self, decay=0.999):
        torch._foreach_lerp_(self.shadow, self.params, 1 - decay)


def time_steps(step_fn, batches, warmup, steps, device):
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        loss = step_fn(batches[i % len(batches)])
        if not math.isfinite(loss.item()):  # one host sync per step, as adit's NaN guard
            raise RuntimeError("non-finite loss")
        times.append(time.perf_counter() - t0)
    return statistics.median(times[warmup:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--precision", default="fp32,bf16")
    ap.add_argument("--only", default="vae,dit-s,dit-b,sample")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--sample-batch", type=int, default=1000)
    ap.add_argument("--sample-steps", type=int, default=100)
    ap.add_argument("--out", default="bench-out-torch")
    a, _ = ap.parse_known_args()  # tools/gpu/bench.sh passes bench_gpu's options too
    dev = torch.device(a.device)
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(1)
    batches = [draw_batch(rng, 256, dev)[0] for _ in range(8)]
    only = a.only.split(",")
    for precision in a.precision.split(","):
        ac = lambda: torch.autocast("cuda", dtype=torch.bfloat16, enabled=(precision == "bf16" and dev.type == "cuda"))
        torch.manual_seed(0)
        vae = VAE().to(dev)
        if "vae" in only:
            opt = torch.optim.AdamW(vae.parameters(), lr=1e-4)
            ema = EMA(vae)

            def vae_step(b):
                z, pos, frac, lat, mask, sysl = b
                with ac():
                    loss = vae.loss(z, pos, frac, lat, mask, sysl)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
                opt.step()
                ema.update()
                return loss
            t = time_steps(vae_step, batches, a.warmup, a.steps, dev)
            print(json.dumps({"impl": "pytorch", "work": "vae step", "precision": precision, "ms": 1e3 * t}), flush=True)
        vae.requires_grad_(False)
        vae.eval()
        for name, d, h in (("dit-s", 384, 6), ("dit-b", 768, 12)):
            if name not in only and not (name == "dit-s" and "sample" in only):
                continue
            torch.manual_seed(0)
            dit = DiT(d, h).to(dev)
            opt = torch.optim.AdamW(dit.parameters(), lr=1e-4)
            ema = EMA(dit)

            def dit_step(b):
                z, pos, frac, lat, mask, sysl = b
                with ac():
                    with torch.no_grad():
                        x1 = vae.encode(z, pos, frac, mask, sysl, False)[0].float()
                    loss = dit.loss(x1, sysl, mask)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(dit.parameters(), 1.0)
                opt.step()
                ema.update()
                return loss
            if name in only:
                t = time_steps(dit_step, batches, a.warmup, a.steps, dev)
                print(json.dumps({"impl": "pytorch", "work": f"{name} step", "precision": precision, "ms": 1e3 * t}),
                      flush=True)
            if name == "dit-s" and "sample" in only:
                dit.eval()

                @torch.no_grad()
                def sample(n, steps):
                    p = np.array(QM9_HISTOGRAM, dtype=np.float64)
                    counts = torch.multinomial(torch.tensor(p / p.sum()), n, replacement=True)
                    lines = []
                    for s in range(0, n, a.sample_batch):
                        cnt = counts[s:s + a.sample_batch].to(dev)
                        B, N = cnt.shape[0], int(cnt.max())
                        mask = torch.arange(N, device=dev)[None, :] < cnt[:, None]
                        mf = mask.float().unsqueeze(-1)
                        y = torch.zeros(B, dtype=torch.long, device=dev)
                        null = torch.full_like(y, 2)
                        x = torch.randn(B, N, 8, device=dev) * mf
                        x1 = torch.zeros_like(x)
                        dt = 0.99 / steps
                        for i in range(steps):
                            tt = 0.01 + i * dt
                            tv = torch.full((2 * B,), tt, device=dev)
                            with ac():
                                out = dit(torch.cat([x, x]), tv, torch.cat([y, null]), torch.cat([mask, mask]),
                                          torch.cat([x1, x1]))
                            cond, unc = out[:B].float(), out[B:].float()
                            x1 = unc + 2.0 * (cond - unc)
                            x = (x + dt * (x1 - x) / (1 - tt)) * mf
                        types, cart, _, _ = vae.decode(x, y, mask)
                        zs = (types[..., 1:].argmax(-1) + 1).cpu().numpy()
                        xyz = cart.float().cpu().numpy()
                        cn = cnt.cpu().numpy()
                        for k in range(B):
                            lines.append(f"sample-{s + k}\n  torch\n\n{cn[k]:3d}  0  0  0  0  0  0  0  0  0999 V2000")
                            for j in range(cn[k]):
                                lines.append("%10.4f%10.4f%10.4f %-3s 0  0  0  0  0  0  0  0  0  0  0  0" % (
                                    *xyz[k, j], SYMBOLS.get(int(zs[k, j]), "C")))
                            lines.append("M  END\n$$$$")
                    with open(os.path.join(a.out, f"samples-{precision}.sdf"), "w") as f:
                        f.write("\n".join(lines))
                sample(min(a.samples, 2 * a.sample_batch), 5)  # warm-up
                torch.cuda.synchronize() if dev.type == "cuda" else None
                t0 = time.perf_counter()
                sample(a.samples, a.sample_steps)
                t = time.perf_counter() - t0
                print(json.dumps({"impl": "pytorch", "work": f"sample {a.samples}", "precision": precision,
                                  "seconds": t, "batch": a.sample_batch}), flush=True)


if __name__ == "__main__":
    main()
