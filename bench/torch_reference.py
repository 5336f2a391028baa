#!/usr/bin/env python3
"""Native reference for bench/browser.ts (CPU) and bench/gpu (CUDA): the same GAN step in PyTorch.

Times one training step of the two architectures Ganvas trains, in the order of
src/gan/train-step.ts (Heaton's version A):
  1. D on a real batch, labelled 1 (one Adam update of D);
  2. G makes the fakes (no gradient), D on them labelled 0 (a second update of D);
  3. G through D on the same noise, labelled 1 (one update of G; D's weights frozen,
     so no dL/dW is computed for D, as the tfjs step only differentiates G's variables).

  heaton: Heaton's Keras layers (shared/REFERENCE.md): UpSampling2D + 3x3 convs in G,
          3x3 strided convs, ZeroPadding2D, dropout 0.25 in D, Keras BN (momentum 0.8,
          epsilon 1e-3), TF "same" padding (pad after first on even sizes).
  dcgan:  pytorch/examples dcgan (ngf = ndf = 64); at 32 px one block is dropped from
          each network, as in src/gan/dcgan.ts.

Usage: python3 bench/torch_reference.py [--steps 5] [--warmup 3] [--threads 2] [--batch 32]
                                         [--configs heaton:32,heaton:64,dcgan:32,dcgan:64]
                                         [--device cpu|cuda]
Prints one JSON object: {"torch": version, "device": "cpu"|"cuda", "device_name": name,
"threads": n, "results": [{arch, px, batch, warmup, steps, ms_per_step, d_real_ms, d_fake_ms,
g_ms}, ...]}; times are medians over the timed steps, after the untimed warm-up steps.
On CUDA each phase ends with torch.cuda.synchronize() (kernels are queued, so without it the
clock would stop before the GPU finished), and cuDNN picks its fastest algorithms
(cudnn.benchmark, during the warm-up); PyTorch's default float32 settings are kept otherwise.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 100
CHANNELS = 3


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's "same" padding: total padding split with the extra pixel after."""

    def forward(self, x):
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ih, iw = x.shape[-2:]
        ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0)


def keras_bn(channels):
    # Keras momentum 0.8 keeps 0.8 of the old moving average; PyTorch's momentum is the new share.
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.2)


class HeatonGenerator(nn.Module):
    def __init__(self, px):
        super().__init__()
        self.dense = nn.Linear(LATENT, 4 * 4 * 256)
        blocks = [(2, 256), (2, 256), (2, 128)]  # 8, 16, 32 px
        if px > 32:
            blocks.append((px // 32, 128))  # version B's block 5: UpSampling2D(GENERATE_RES)
        layers = []
        cin = 256
        for factor, cout in blocks:
            layers += [nn.Upsample(scale_factor=factor, mode="nearest"), SameConv2d(cin, cout, 3), keras_bn(cout), nn.ReLU()]
            cin = cout
        layers += [SameConv2d(cin, CHANNELS, 3), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z):
        return self.body(F.relu(self.dense(z)).view(-1, 256, 4, 4))


class HeatonDiscriminator(nn.Module):
    def __init__(self, px):
        super().__init__()
        layers = []
        cin = CHANNELS
        side = px
        for i, (cout, stride) in enumerate([(32, 2), (64, 2), (128, 2), (256, 1), (512, 1)]):
            if i > 0:
                layers.append(nn.Dropout(0.25))
            layers.append(SameConv2d(cin, cout, 3, stride=stride))
            side = math.ceil(side / stride)
            if i == 1:
                layers.append(nn.ZeroPad2d((0, 1, 0, 1)))
                side += 1
            if i > 0:
                layers.append(keras_bn(cout))
            layers.append(nn.LeakyReLU(0.2))
            cin = cout
        layers += [nn.Dropout(0.25), nn.Flatten(), nn.Linear(side * side * 512, 1), nn.Sigmoid()]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def dcgan_generator(px, ngf=64):
    stages = round(math.log2(px / 4))  # 3 at 32 px, 4 at 64 px
    cout = ngf * 2 ** (stages - 1)
    layers = [nn.ConvTranspose2d(LATENT, cout, 4, 1, 0, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
    for _ in range(stages - 1):
        layers += [nn.ConvTranspose2d(cout, cout // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(cout // 2), nn.ReLU(True)]
        cout //= 2
    layers += [nn.ConvTranspose2d(cout, CHANNELS, 4, 2, 1, bias=False), nn.Tanh()]
    body = nn.Sequential(*layers)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = body

        def forward(self, z):
            return self.body(z.view(-1, LATENT, 1, 1))

    return Generator()


def dcgan_discriminator(px, ndf=64):
    stages = round(math.log2(px / 4))
    layers = []
    cin = CHANNELS
    for stage in range(stages):
        cout = ndf * 2 ** stage
        layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=False))
        if stage > 0:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        cin = cout
    layers += [nn.Conv2d(cin, 1, 4, 1, 0, bias=False), nn.Flatten(), nn.Sigmoid()]
    return nn.Sequential(*layers)


def build(arch, px):
    if arch == "heaton":
        return HeatonGenerator(px), HeatonDiscriminator(px), 1.5e-4
    return dcgan_generator(px), dcgan_discriminator(px), 2e-4


def bench(arch, px, batch, steps, warmup, device):
    torch.manual_seed(42)
    g, d, lr = build(arch, px)
    g.to(device)
    d.to(device)
    g.train()
    d.train()
    opt_g = torch.optim.Adam(g.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=lr, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)
    # A random uint8 data set scaled to [-1, 1], as the browser bench uses.
    data = torch.randint(0, 256, (256, CHANNELS, px, px), dtype=torch.uint8, device=device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def step():
        sync()
        t0 = time.perf_counter()
        real = data[torch.randint(0, data.shape[0], (batch,), device=device)].float() / 127.5 - 1
        noise = torch.randn(batch, LATENT, device=device)
        for p in d.parameters():
            p.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        bce(d(real).view(-1, 1), ones).backward()
        opt_d.step()
        sync()
        t1 = time.perf_counter()
        with torch.no_grad():
            fake = g(noise)
        opt_d.zero_grad(set_to_none=True)
        bce(d(fake).view(-1, 1), zeros).backward()
        opt_d.step()
        sync()
        t2 = time.perf_counter()
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        bce(d(g(noise)).view(-1, 1), ones).backward()
        opt_g.step()
        sync()
        t3 = time.perf_counter()
        return [(t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3]

    # Warm-up: the first few steps are 2-4x slower here (oneDNN primitive creation, the
    # allocator growing its pools), so the median is taken after several untimed steps.
    for _ in range(warmup):
        step()
    samples = [step() for _ in range(steps)]
    med = [statistics.median(s[i] for s in samples) for i in range(4)]
    return {"arch": arch, "px": px, "batch": batch, "warmup": warmup, "steps": steps, "ms_per_step": med[0], "d_real_ms": med[1], "d_fake_ms": med[2], "g_ms": med[3]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--configs", default="heaton:32,heaton:64,dcgan:32,dcgan:64")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            parser.error("--device cuda: this torch sees no CUDA device")
        torch.backends.cudnn.benchmark = True
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = "cpu"
    results = []
    for item in args.configs.split(","):
        arch, px = item.split(":")
        results.append(bench(arch, int(px), args.batch, args.steps, args.warmup, device))
    print(json.dumps({"torch": torch.__version__, "device": device.type, "device_name": device_name, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
