#!/usr/bin/python3
"""PyTorch peer of bench/stitch-step.mjs: the same SN-Net training step (same ViT family, same
stitched configurations in the same order, batch, AdamW) timed on the CPU.

Usage (normally run by stitch-step.mjs): /usr/bin/python3 bench/stitch_step.py SPEC.json THREADS
The process builds the SN-Net modules and the anchor ViT from the spec, prints one JSON line
{"ready": true, "threads", "torch", "blas"}, then serves requests, one JSON object per line on
stdin, answering each with one JSON line on stdout:
  {"cmd": "snnet", "config": {"segments": [...], "stitches": [...]}}  -> {"ms": time of one step}
  {"cmd": "anchor"}                                                     -> {"ms": ...}
  {"cmd": "peak", "sizes": [256, 512, 1024]}                          -> {"matmul": {n: GFLOP/s}}
so that the tfjs side can alternate its steps with torch's one by one (on a machine whose speed
drifts, each side then sees the same conditions). The peak is the best GFLOP/s of torch.mm on
square float32 matrices (2·n³ FLOPs per product) at this process's thread count. EOF ends it.

Architecture (as packages/ml/src/models/vit.ts): patchify by reshape/permute + Linear, CLS token,
learned position embedding, pre-norm blocks (LayerNorm eps 1e-6, qkv Linear, softmax attention with
q scaled by 1/sqrt(d_head), proj, MLP with tanh-GELU), final LayerNorm on CLS, linear head.
Stitching layers: Linear(D_in, D_out) on every token. Optimizer: AdamW (decay 0.05 on rank >= 2
weights except cls/pos), every parameter stepped every iteration with zeroed (not None) gradients,
as the official SN-Net code and trainSNNet's default do.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, int(dim * mlp_ratio))
        self.fc2 = nn.Linear(int(dim * mlp_ratio), dim)

    def forward(self, x):
        B, N, D = x.shape
        H = self.heads
        dh = D // H
        q, k, v = self.qkv(self.norm1(x)).split(D, dim=-1)
        q = (q * dh ** -0.5).reshape(B, N, H, dh).transpose(1, 2)
        k = k.reshape(B, N, H, dh).transpose(1, 2)
        v = v.reshape(B, N, H, dh).transpose(1, 2)
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        o = (attn @ v).transpose(1, 2).reshape(B, N, D)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate='tanh'))


class ViT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        g = c['imageSize'] // c['patchSize']
        D = c['dim']
        self.patch_embed = nn.Linear(c['channels'] * c['patchSize'] ** 2, D)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.randn(1, g * g + 1, D) * 0.02)
        self.blocks = nn.ModuleList([Block(D, c['heads'], c['mlpRatio']) for _ in range(c['depth'])])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, c['numClasses'])

    def embed(self, x):  # x: [B, H, W, C] (NHWC like the tfjs side)
        c = self.c
        B = x.shape[0]
        P, S, C = c['patchSize'], c['imageSize'], c['channels']
        g = S // P
        p = x.reshape(B * g, P, g, P * C).permute(0, 2, 1, 3).reshape(B * g * g, P * P * C)
        t = self.patch_embed(p).reshape(B, g * g, -1)
        cls = self.cls_token.expand(B, -1, -1)
        return torch.cat([cls, t], dim=1) + self.pos_embed

    def run_blocks(self, h, start, end):
        for b in self.blocks[start:end]:
            h = b(h)
        return h

    def head_fn(self, h):
        return self.head(self.norm(h[:, 0]))

    def forward(self, x):
        return self.head_fn(self.run_blocks(self.embed(x), 0, len(self.blocks)))


def make_adamw(module, lr):
    decay, no_decay = [], []
    for name, p in module.named_parameters():
        leaf = name.split('.')[-1]
        (decay if p.dim() >= 2 and leaf not in ('cls_token', 'pos_embed') else no_decay).append(p)
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}], lr=lr)
    for p in module.parameters():
        p.grad = torch.zeros_like(p)  # zeroed, not None: every parameter is stepped every iteration
    return opt


def matmul_peak(sizes, min_seconds=0.4):
    """Best GFLOP/s of torch.mm(a, b) for n×n float32 a, b (2·n³ FLOPs), per size."""
    out = {}
    with torch.no_grad():
        for n in sizes:
            a = torch.rand(n, n)
            b = torch.rand(n, n)
            c = torch.empty(n, n)
            for _ in range(2):
                torch.mm(a, b, out=c)
            best = float('inf')
            until = time.perf_counter() + min_seconds
            i = 0
            while i < 3 or time.perf_counter() < until:
                t0 = time.perf_counter()
                torch.mm(a, b, out=c)
                best = min(best, time.perf_counter() - t0)
                i += 1
            out[str(n)] = 2 * n ** 3 / best / 1e9
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    anchors = nn.ModuleList([ViT(c) for c in spec['anchors']])
    stitches = nn.ModuleDict({lid.replace(':', '_').replace('-', '_'): nn.Linear(d['dimIn'], d['dimOut']) for lid, d in spec['layers'].items()})
    net = nn.ModuleDict({'anchors': anchors, 'stitches': stitches})
    bs = spec['batchSize']
    c0 = spec['anchors'][0]
    x = torch.rand(bs, c0['imageSize'], c0['imageSize'], c0['channels'])
    y = torch.randint(0, c0['numClasses'], (bs,))
    opt = make_adamw(net, spec['learningRate'])
    anchor = ViT(spec['anchorConfig'])
    aopt = make_adamw(anchor, spec['learningRate'])

    def snnet_forward(cfg):
        segs = cfg['segments']
        h = anchors[segs[0]['anchor']].embed(x)
        for i, s in enumerate(segs):
            h = anchors[s['anchor']].run_blocks(h, s['start'], s['end'])
            if i < len(cfg['stitches']):
                h = stitches[cfg['stitches'][i].replace(':', '_').replace('-', '_')](h)
        return anchors[segs[-1]['anchor']].head_fn(h)

    def snnet_step(cfg):
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(snnet_forward(cfg), y)
        loss.backward()
        opt.step()

    def anchor_step():
        aopt.zero_grad(set_to_none=False)
        F.cross_entropy(anchor(x), y).backward()
        aopt.step()

    def timed(fn, *args):
        t0 = time.perf_counter()
        fn(*args)
        return {'ms': (time.perf_counter() - t0) * 1000}

    print(json.dumps({'ready': True, 'threads': threads, 'torch': torch.__version__, 'blas': os.environ.get('OPENBLAS_NUM_THREADS')}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req['cmd'] == 'snnet':
            out = timed(snnet_step, req['config'])
        elif req['cmd'] == 'anchor':
            out = timed(anchor_step)
        elif req['cmd'] == 'peak':
            out = {'matmul': matmul_peak(req['sizes'])}
        else:
            raise ValueError(f"unknown request {req['cmd']!r}")
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
