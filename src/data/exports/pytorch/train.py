#!/usr/bin/env python3
"""Continue a Ganvas run in PyTorch, on one machine or many, then take it back to Ganvas.

Unzip the "Continue in PyTorch" export and run, in that folder:

    python3 train.py --steps 5000 --out run                      # one process
    torchrun --nproc_per_node=4 train.py --steps 5000 --out run   # four processes (GPUs or CPU cores)
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 \
        train.py --steps 5000 --out run                           # several machines (node_rank 1 on the other)

At every checkpoint (--checkpoint-every) and at the end, DIR/checkpoint.ganvas ("Load checkpoint…" in
Ganvas continues the run) and DIR/generator.zip (Ganvas's Generate view takes it) are written. If
DIR/checkpoint.ganvas exists, training resumes from it and goes on to the same final step (the
recipe's step + --steps), so rerunning an interrupted command finishes the job.

The networks, losses and optimisers are Ganvas's, layer for layer: TensorFlow "same" padding,
Keras BatchNorm (momentum = share of the old average, biased batch variance, epsilon 1e-3 for
heaton and 1e-5 for dcgan), NHWC flatten order, tfjs's Adam (epsilon 1e-7, running beta powers),
Keras's clipped binary cross-entropy, and the step order D on real, D on fake, G through the
frozen D with the same noise. Batches, flips and noise are drawn from the run seed exactly as
the app draws them, so one process continues the app's run exactly (dropout masks too with
--dropout-masks app, which is slow: for checking only). With N processes each takes 1/N of each
batch (a DistributedSampler over the batch) and gradients are averaged (DistributedDataParallel:
nccl on GPUs, gloo on CPUs); BatchNorm then uses each process's share of the batch.

Needs Python 3.8+, numpy and PyTorch 1.13 or later. Nothing is downloaded. (Debian's torch 1.13 on
Python 3.11: its torchrun crashes on its own --redirects/--tee defaults; add `--redirects 1 --tee 1`.)
"""
import argparse
import datetime
import io
import json
import math
import os
import struct
import sys
import time
import zipfile
import zlib

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

RECIPE_FILE = "ganvas-recipe.json"
RECIPE_FORMAT = 1
CHECKPOINT_FILE = "checkpoint.ganvas"
GENERATOR_FILE = "generator.zip"
METRIC_COLUMNS = ["step", "dRealLoss", "dRealAccuracy", "dFakeLoss", "dFakeAccuracy", "gLoss", "gAccuracy"]
M32 = 0xFFFFFFFF


class RecipeError(Exception):
    """A problem with the user's files, in words they can act on."""


# ---------------------------------------------------------------------------------------------
# The app's seeded randomness (src/gan/random.ts, src/protocol/random.ts, src/data/dataset.ts,
# and tfjs's seeded randomNormal / randomUniform, which use seedrandom's alea generator).

RANDOM_STREAMS = {"weights": 1, "batches": 2, "noise": 3, "dropout": 4, "previewSeed": 5, "flips": 6, "heldBack": 7, "quality": 8}


def _mix32(value):
    z = (value + 0x9E3779B9) & M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    return z ^ (z >> 16)


def derive_seed(run_seed, stream, index=0):
    return _mix32(_mix32(_mix32(run_seed & M32) ^ RANDOM_STREAMS[stream]) ^ (index & M32)) & 0x7FFFFFFF


def mulberry32(seed):
    state = seed & M32

    def uniform():
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32
        return (t ^ (t >> 14)) / 2**32

    return uniform


def choose_batch(run_seed, step, batch_size, count, flip, pool):
    """The app's batch of step `step`: indices sampled with replacement from `pool` (or all), and flips."""
    pick_index = mulberry32(derive_seed(run_seed, "batches", step))
    pick_flip = mulberry32(derive_seed(run_seed, "flips", step))
    if pool is None:
        indices = [math.floor(pick_index() * count) for _ in range(batch_size)]
    else:
        indices = [int(pool[math.floor(pick_index() * len(pool))]) for _ in range(batch_size)]
    flips = [bool(flip) and pick_flip() < 0.5 for _ in indices]
    return indices, flips


def held_back_count(count, quality_every):
    if quality_every <= 0 or count < 100:
        return 0
    return min(256, count // 10)


def training_pool(count, run_seed, held_back):
    """The indices the app trains on when it holds images back for measuring quality (splitHeldBack)."""
    if held_back == 0:
        return None
    order = list(range(count))
    random = mulberry32(derive_seed(run_seed, "heldBack"))
    for i in range(held_back):
        j = i + math.floor(random() * (count - i))
        order[i], order[j] = order[j], order[i]
    return sorted(order[held_back:])


def _to_uint32(x):
    return int(x) % 2**32


class Alea:
    """seedrandom's alea, which tfjs seeds with the seed's decimal string."""

    def __init__(self, seed):
        n = 0xEFC8249D

        def mash(data):
            nonlocal n
            for ch in data:
                n += ord(ch)
                h = 0.02519603282416938 * n
                n = _to_uint32(h)
                h -= n
                h *= n
                n = _to_uint32(h)
                h -= n
                n += h * 0x100000000
            return _to_uint32(n) * 2.3283064365386963e-10

        self.c = 1
        self.s0, self.s1, self.s2 = mash(" "), mash(" "), mash(" ")
        text = str(seed)
        for name in ("s0", "s1", "s2"):
            value = getattr(self, name) - mash(text)
            setattr(self, name, value + 1 if value < 0 else value)

    def __call__(self):
        t = 2091639 * self.s0 + self.c * 2.3283064365386963e-10
        self.s0, self.s1 = self.s1, self.s2
        self.c = int(t)
        self.s2 = t - self.c
        return self.s2


def tfjs_random_normal(count, seed):
    """tf.randomNormal([...], 0, 1, 'float32', seed): Marsaglia's polar method on alea, in fill order."""
    random = Alea(seed)
    values = np.empty(count, dtype=np.float32)
    spare = None
    for i in range(count):
        if spare is not None:
            values[i], spare = spare, None
            continue
        while True:
            v1 = 2 * random() - 1
            v2 = 2 * random() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        mul = math.sqrt(-2.0 * math.log(s) / s)
        values[i] = v1 * mul
        spare = v2 * mul
    return values


def tfjs_random_uniform(count, seed):
    random = Alea(seed)
    return np.array([random() for _ in range(count)], dtype=np.float32)


def step_noise(config, step, batch_size):
    """The app's latent batch of step `step`: [batch, latent] ~ N(0, 1) (stepNoise)."""
    values = tfjs_random_normal(batch_size * config["latentSize"], derive_seed(config["seed"], "noise", step))
    return values.reshape(batch_size, config["latentSize"])


def latent_for_seed(seed, size):
    """Ganvas's latent vector for an integer seed (src/protocol/latent.ts): the Generate view's faces."""
    z = ((seed & M32) + 0x9E3779B9) & M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    uniform = mulberry32(z ^ (z >> 16))
    vector = np.zeros(size, dtype=np.float32)
    for i in range(0, size, 2):
        radius, angle = math.sqrt(-2 * math.log(1 - uniform())), 2 * math.pi * uniform()
        vector[i] = radius * math.cos(angle)
        if i + 1 < size:
            vector[i + 1] = radius * math.sin(angle)
    return vector


# ---------------------------------------------------------------------------------------------
# The networks. Weights keep the app's names and tfjs layouts (conv kernels [kh, kw, in, out],
# transposed-conv kernels [kh, kw, out, in], dense kernels [in, out]), so checkpoints and Adam
# moments load and save without reordering; the forward pass permutes for PyTorch's NCHW ops.


def scale_filters(filters, width):
    return max(1, math.floor(filters * width + 0.5))  # JavaScript's Math.round


def heaton_layout(config):
    """(trainable [(name, shape)], moving statistics [(name, shape)], generator blocks, dropout seeds)."""
    res, channels, width, latent = config["resolution"], config["channels"], config["width"], config["latentSize"]
    g_train, g_moving = [], []
    dense_filters = scale_filters(256, width)
    g_train += [("g_dense/kernel", [latent, 16 * dense_filters]), ("g_dense/bias", [16 * dense_filters])]
    blocks, side = [], 4
    for filters in (256, 256, 128):
        if side >= min(res, 32):
            break
        blocks.append((2, scale_filters(filters, width)))
        side *= 2
    if res > 32:
        blocks.append((res // 32, scale_filters(128, width)))
    cin = dense_filters
    for i, (_, cout) in enumerate(blocks, start=1):
        g_train += [(f"g_conv_{i}/kernel", [3, 3, cin, cout]), (f"g_conv_{i}/bias", [cout]), (f"g_bn_{i}/gamma", [cout]), (f"g_bn_{i}/beta", [cout])]
        g_moving += [(f"g_bn_{i}/moving_mean", [cout]), (f"g_bn_{i}/moving_variance", [cout])]
        cin = cout
    g_train += [("g_conv_out/kernel", [3, 3, cin, channels]), ("g_conv_out/bias", [channels])]

    d_train, d_moving = [], []
    cin, side = channels, res
    for i, (filters, stride) in enumerate([(32, 2), (64, 2), (128, 2), (256, 1), (512, 1)], start=1):
        cout = scale_filters(filters, width)
        d_train += [(f"d_conv_{i}/kernel", [3, 3, cin, cout]), (f"d_conv_{i}/bias", [cout])]
        side = math.ceil(side / stride) + (1 if i == 2 else 0)
        if i > 1:
            d_train += [(f"d_bn_{i}/gamma", [cout]), (f"d_bn_{i}/beta", [cout])]
            d_moving += [(f"d_bn_{i}/moving_mean", [cout]), (f"d_bn_{i}/moving_variance", [cout])]
        cin = cout
    d_train += [("d_dense_out/kernel", [side * side * cin, 1]), ("d_dense_out/bias", [1])]
    return g_train, g_moving, blocks, d_train, d_moving


def dcgan_layout(config):
    res, channels, width, latent = config["resolution"], config["channels"], config["width"], config["latentSize"]
    stages = round(math.log2(res / 4))
    g_train, g_moving = [], []
    cin = latent
    for stage in range(stages):
        cout = scale_filters(64 * 2 ** (stages - 1 - stage), width)
        n = stage + 1
        g_train += [(f"g_convt_{n}/kernel", [4, 4, cout, cin]), (f"g_bn_{n}/gamma", [cout]), (f"g_bn_{n}/beta", [cout])]
        g_moving += [(f"g_bn_{n}/moving_mean", [cout]), (f"g_bn_{n}/moving_variance", [cout])]
        cin = cout
    g_train += [("g_convt_out/kernel", [4, 4, channels, cin])]
    d_train, d_moving = [], []
    cin = channels
    for stage in range(stages):
        cout = scale_filters(64 * 2**stage, width)
        n = stage + 1
        d_train += [(f"d_conv_{n}/kernel", [4, 4, cin, cout])]
        if stage > 0:
            d_train += [(f"d_bn_{n}/gamma", [cout]), (f"d_bn_{n}/beta", [cout])]
            d_moving += [(f"d_bn_{n}/moving_mean", [cout]), (f"d_bn_{n}/moving_variance", [cout])]
        cin = cout
    d_train += [("d_conv_out/kernel", [4, 4, cin, 1])]
    return g_train, g_moving, stages, d_train, d_moving


def conv_same(x, kernel, bias, stride):
    """TensorFlow's "same" convolution: total padding split with the extra pixel after. kernel [kh, kw, in, out]."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    ih, iw = x.shape[-2:]
    ph = max((math.ceil(ih / stride) - 1) * stride + kh - ih, 0)
    pw = max((math.ceil(iw / stride) - 1) * stride + kw - iw, 0)
    if ph or pw:
        x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
    return F.conv2d(x, kernel.permute(3, 2, 0, 1), bias, stride)


class GanNet(torch.nn.Module):
    """One of the app's two networks: parameters by tfjs name, a forward pass per architecture."""

    def __init__(self, config, role, trainable, moving):
        super().__init__()
        self.config, self.role = config, role
        self.trainable_names = [name for name, _ in trainable]
        self.moving_names = [name for name, _ in moving]
        self.params = torch.nn.ParameterDict({_key(n): torch.nn.Parameter(torch.zeros(s)) for n, s in trainable})
        for name, shape in moving:
            self.register_buffer(_key(name), torch.zeros(shape))
        self.bn_epsilon = 1e-3 if config["architecture"] == "heaton" else 1e-5
        # Dropout (heaton's D): None = PyTorch's generator; otherwise the app's seeded masks.
        self.dropout_masks = None
        self.dropout_counts = []
        self.dropout_generator = torch.Generator()

    def weight(self, name):
        key = _key(name)
        return self.params[key] if key in self.params else getattr(self, key)

    def names(self):
        return self.trainable_names + self.moving_names

    def batch_norm(self, x, layer):
        gamma, beta = self.weight(f"{layer}/gamma"), self.weight(f"{layer}/beta")
        mean_buf, var_buf = self.weight(f"{layer}/moving_mean"), self.weight(f"{layer}/moving_variance")
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = ((x - mean[None, :, None, None]) ** 2).mean(dim=(0, 2, 3))  # biased, as Keras
            with torch.no_grad():
                decay = 1 - self.config["batchNormMomentum"]
                mean_buf.sub_((mean_buf - mean) * decay)
                var_buf.sub_((var_buf - var) * decay)
        else:
            mean, var = mean_buf, var_buf
        scale = gamma * torch.rsqrt(var + self.bn_epsilon)
        return (x - mean[None, :, None, None]) * scale[None, :, None, None] + beta[None, :, None, None]

    def dropout(self, x, index):
        rate = self.config["dropout"]
        if not self.training or rate <= 0:
            return x
        keep = np.float32(1 - rate)
        if self.dropout_masks is None:
            uniform = torch.rand(x.shape, generator=self.dropout_generator).to(x.device)
        else:
            uniform = self.dropout_masks(index, x)
        multiplier = torch.floor(uniform + torch.tensor(keep)) / torch.tensor(keep)
        self.dropout_counts[index] += 1
        return x * multiplier

    def forward(self, x):
        arch = self.config["architecture"]
        if self.role == "generator":
            return heaton_generate(self, x) if arch == "heaton" else dcgan_generate(self, x)
        return heaton_judge(self, x) if arch == "heaton" else dcgan_judge(self, x)


def _key(name):
    return name.replace("/", "__")


def heaton_generate(net, z):
    """[batch, latent] → [batch, C, S, S] in [-1, 1]."""
    w = net.weight
    x = F.relu(z @ w("g_dense/kernel") + w("g_dense/bias"))
    x = x.view(z.shape[0], 4, 4, -1).permute(0, 3, 1, 2)  # Keras Reshape is NHWC
    for i, (factor, _) in enumerate(net.plan, start=1):
        x = F.interpolate(x, scale_factor=factor, mode="nearest")
        x = conv_same(x, w(f"g_conv_{i}/kernel"), w(f"g_conv_{i}/bias"), 1)
        x = F.relu(net.batch_norm(x, f"g_bn_{i}"))
    return torch.tanh(conv_same(x, w("g_conv_out/kernel"), w("g_conv_out/bias"), 1))


def heaton_judge(net, x):
    """[batch, C, S, S] → [batch, 1], the probability of "real"."""
    w, slope = net.weight, net.config["leakySlope"]
    for i, stride in enumerate([2, 2, 2, 1, 1], start=1):
        if i > 1:
            x = net.dropout(x, i - 2)
        x = conv_same(x, w(f"d_conv_{i}/kernel"), w(f"d_conv_{i}/bias"), stride)
        if i == 2:
            x = F.pad(x, (0, 1, 0, 1))  # ZeroPadding2D(((0, 1), (0, 1)))
        if i > 1:
            x = net.batch_norm(x, f"d_bn_{i}")
        x = F.leaky_relu(x, slope)
    x = net.dropout(x, 4)
    x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Keras Flatten is NHWC
    return torch.sigmoid(x @ w("d_dense_out/kernel") + w("d_dense_out/bias"))


def dcgan_generate(net, z):
    w = net.weight
    x = z.view(z.shape[0], -1, 1, 1)
    # 4×4 transposed convolutions: 'valid' 1 → 4 px, then TF 'same' with stride 2 = padding 1 each side.
    x = F.conv_transpose2d(x, w("g_convt_1/kernel").permute(3, 2, 0, 1))
    x = F.relu(net.batch_norm(x, "g_bn_1"))
    for n in range(2, net.plan + 1):
        x = F.conv_transpose2d(x, w(f"g_convt_{n}/kernel").permute(3, 2, 0, 1), stride=2, padding=1)
        x = F.relu(net.batch_norm(x, f"g_bn_{n}"))
    return torch.tanh(F.conv_transpose2d(x, w("g_convt_out/kernel").permute(3, 2, 0, 1), stride=2, padding=1))


def dcgan_judge(net, x):
    w, slope = net.weight, net.config["leakySlope"]
    for n in range(1, net.plan + 1):
        x = conv_same(x, w(f"d_conv_{n}/kernel"), None, 2)
        if n > 1:
            x = net.batch_norm(x, f"d_bn_{n}")
        x = F.leaky_relu(x, slope)
    x = F.conv2d(x, w("d_conv_out/kernel").permute(3, 2, 0, 1))
    return torch.sigmoid(x.reshape(x.shape[0], 1))


def build_networks(config):
    """The generator and discriminator `config` describes, weights zero until a checkpoint loads."""
    layouts = {"heaton": heaton_layout, "dcgan": dcgan_layout}
    if config["architecture"] not in layouts:
        raise RecipeError(f"Unknown architecture {config['architecture']!r}: this train.py knows heaton and dcgan.")
    g_train, g_moving, plan, d_train, d_moving = layouts[config["architecture"]](config)
    generator = GanNet(config, "generator", g_train, g_moving)
    discriminator = GanNet(config, "discriminator", d_train, d_moving)
    # heaton: the generator's (upsample factor, filters) blocks; dcgan: the number of stride-2 stages.
    generator.plan = discriminator.plan = plan
    return generator, discriminator


def describe_architecture(config):
    colour = "grayscale" if config["channels"] == 1 else "RGB"
    return f"{config['architecture']} at {config['resolution']} px ({colour}, width ×{config['width']}, latent {config['latentSize']})"


# ---------------------------------------------------------------------------------------------
# tfjs's Adam and Keras's binary cross-entropy, operation for operation.

TFJS_EPSILON = 1e-7


class TfjsAdam:
    """tf.train.adam as tfjs runs it: moments m and v, running powers accBeta1/2 (float32), epsilon 1e-7."""

    def __init__(self, params, lr, beta1, state):
        self.params, self.lr, self.beta1, self.beta2 = params, lr, beta1, 0.999
        self.iterations = state["iterations"]
        self.acc_beta1 = torch.tensor(state["accBeta1"], dtype=torch.float32)
        self.acc_beta2 = torch.tensor(state["accBeta2"], dtype=torch.float32)
        slots = state["slots"]
        if slots:
            self.m = [torch.from_numpy(s.copy()) for s in slots[: len(params)]]
            self.v = [torch.from_numpy(s.copy()) for s in slots[len(params) :]]
        else:
            self.m = [torch.zeros_like(p) for p in params]
            self.v = [torch.zeros_like(p) for p in params]
        self.started = bool(slots)

    @torch.no_grad()
    def step(self):
        one_minus_acc1, one_minus_acc2 = 1 - self.acc_beta1, 1 - self.acc_beta2
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad if p.grad is not None else torch.zeros_like(p)
            m.copy_(m * self.beta1 + g * (1 - self.beta1))
            v.copy_(v * self.beta2 + g.square() * (1 - self.beta2))
            update = (m / one_minus_acc1) / (torch.sqrt(v / one_minus_acc2) + TFJS_EPSILON)
            p.copy_(update * -self.lr + p)
            p.grad = None
        self.acc_beta1 = self.acc_beta1 * self.beta1
        self.acc_beta2 = self.acc_beta2 * self.beta2
        self.iterations += 1
        self.started = True

    def state(self):
        slots = [t.detach().cpu().numpy().copy() for t in self.m + self.v] if self.started else []
        return {"iterations": self.iterations, "accBeta1": float(self.acc_beta1), "accBeta2": float(self.acc_beta2), "slots": slots}


def keras_bce(probabilities, label):
    """tf.metrics.binaryCrossentropy, batch mean: clip to [1e-7, 1 − 1e-7], to logits, sigmoid cross-entropy."""
    y = torch.clamp(probabilities, TFJS_EPSILON, 1 - TFJS_EPSILON)
    logits = torch.log(y / (1 - y))
    labels = torch.full_like(logits, float(np.float32(label)))
    return (F.relu(logits) - logits * labels + torch.log1p(torch.exp(-logits.abs()))).mean()


# ---------------------------------------------------------------------------------------------
# Ganvas's checkpoint file (src/gan/checkpoint.ts): magic, version, CRC'd JSON header, float32 payload.

MAGIC = b"GANVASCK"
CHECKPOINT_VERSION = 1
TENSOR_GROUPS = ["generator", "discriminator", "generatorOptimizer", "discriminatorOptimizer"]


def _align4(n):
    return (n + 3) & ~3


def _json_metric(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _metric_value(value):
    return float(value) if not isinstance(value, str) else float(value.replace("Infinity", "inf"))


def read_checkpoint(path, what):
    """A Ganvas checkpoint as a dict; `what` names the file in messages."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise RecipeError(f"Cannot read {what}: {error.strerror}.") from None
    if not data.startswith(MAGIC):
        raise RecipeError(f"{what} is not a Ganvas checkpoint.")
    truncated = RecipeError(f"{what} is incomplete: it was cut short, perhaps by an interrupted copy or download. Nothing was changed.")
    if len(data) < 20:
        raise truncated
    version, header_length, header_crc = struct.unpack_from("<III", data, 8)
    if version != CHECKPOINT_VERSION:
        raise RecipeError(f"{what} uses checkpoint format {version}; this train.py reads format {CHECKPOINT_VERSION}.")
    if len(data) < 20 + header_length:
        raise truncated
    header_bytes = data[20 : 20 + header_length]
    if zlib.crc32(header_bytes) != header_crc:
        raise RecipeError(f"{what} is damaged: its header does not match its checksum.")
    header = json.loads(header_bytes.decode("utf-8"))
    start = _align4(20 + header_length)
    if len(data) < start + header["payloadBytes"]:
        raise truncated
    payload = data[start : start + header["payloadBytes"]]
    if zlib.crc32(payload) != header["payloadCrc32"]:
        raise RecipeError(f"{what} is damaged: its weights do not match their checksum.")
    groups = {group: [] for group in TENSOR_GROUPS}
    offset = 0
    for entry in header["tensors"]:
        count = int(np.prod(entry["shape"], dtype=np.int64))
        values = np.frombuffer(payload, dtype="<f4", count=count, offset=offset).reshape(entry["shape"]).astype(np.float32)
        offset += count * 4
        groups[entry["group"]].append((entry["name"], values))
    metrics = header["metrics"]
    rows = [{c: _metric_value(metrics[c][i]) for c in METRIC_COLUMNS} for i in range(len(metrics["step"]))]
    return {
        "appVersion": header["appVersion"],
        "config": header["config"],
        "step": header["step"],
        "datasetIdentity": header["datasetIdentity"],
        "metrics": rows,
        "quality": header.get("quality", []),
        "dropoutMaskCounts": header["dropoutMaskCounts"],
        "generator": groups["generator"],
        "discriminator": groups["discriminator"],
        "generatorOptimizer": dict(header["optimizers"]["generator"], slots=[v for _, v in groups["generatorOptimizer"]], names=[n for n, _ in groups["generatorOptimizer"]]),
        "discriminatorOptimizer": dict(header["optimizers"]["discriminator"], slots=[v for _, v in groups["discriminatorOptimizer"]], names=[n for n, _ in groups["discriminatorOptimizer"]]),
    }


def encode_checkpoint(ckpt):
    tensors = []
    for group in ("generator", "discriminator"):
        tensors += [(group, name, values) for name, values in ckpt[group]]
    for group, key in (("generatorOptimizer", "generatorOptimizer"), ("discriminatorOptimizer", "discriminatorOptimizer")):
        state = ckpt[key]
        tensors += [(group, name, values) for name, values in zip(state["names"], state["slots"])]
    payload = b"".join(np.ascontiguousarray(values, dtype="<f4").tobytes() for _, _, values in tensors)
    header = {
        "appVersion": ckpt["appVersion"],
        "config": ckpt["config"],
        "step": ckpt["step"],
        "datasetIdentity": ckpt["datasetIdentity"],
        "metrics": {c: [_json_metric(row[c]) if c != "step" else int(row[c]) for row in ckpt["metrics"]] for c in METRIC_COLUMNS},
        "quality": ckpt["quality"],
        "dropoutMaskCounts": ckpt["dropoutMaskCounts"],
        "optimizers": {
            role: {k: ckpt[f"{role}Optimizer"][k] for k in ("iterations", "accBeta1", "accBeta2")} for role in ("generator", "discriminator")
        },
        "tensors": [{"group": g, "name": n, "shape": list(v.shape), "dtype": "float32"} for g, n, v in tensors],
        "payloadBytes": len(payload),
        "payloadCrc32": zlib.crc32(payload),
    }
    header_bytes = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    start = _align4(20 + len(header_bytes))
    prefix = MAGIC + struct.pack("<III", CHECKPOINT_VERSION, len(header_bytes), zlib.crc32(header_bytes))
    return prefix + header_bytes + b"\0" * (start - 20 - len(header_bytes)) + payload


def _base_name(name):
    """tfjs appends a session counter to repeated variable names (g_bn_1/gamma_1); the layer and weight are what matter."""
    layer, _, weight = name.rpartition("/")
    for known in ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"):
        if weight == known or (weight.startswith(known + "_") and weight[len(known) + 1 :].isdigit()):
            return f"{layer}/{known}"
    return name


def check_against(net, saved, what, config):
    """Refuses, in words, a checkpoint whose tensors are not exactly those `config`'s network has."""
    expected = [(n, list(net.weight(n).shape)) for n in net.names()]
    got = [(_base_name(n), list(v.shape)) for n, v in saved]
    if got != expected:
        detail = f"it has {len(got)} {what} tensors where that has {len(expected)}"
        for (gn, gs), (en, es) in zip(got, expected):
            if (gn, gs) != (en, es):
                detail = f"its {what} tensor {gn} is {gs} where {describe_architecture(config)} has {en} {es}"
                break
        raise RecipeError(f"The checkpoint does not fit {describe_architecture(config)}: {detail}. Was it saved by another run?")


def load_into(net, saved):
    with torch.no_grad():
        for name, values in saved:
            net.weight(_base_name(name)).copy_(torch.from_numpy(values))


def saved_weights(net, template):
    """The network's weights in the checkpoint's order and names."""
    return [(name, net.weight(_base_name(name)).detach().cpu().numpy().copy()) for name, _ in template]


# ---------------------------------------------------------------------------------------------
# The recipe: settings, training set and starting checkpoint, checked before anything is written.


def load_recipe(folder):
    path = os.path.join(folder, RECIPE_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            recipe = json.load(f)
    except FileNotFoundError:
        raise RecipeError(f"No {RECIPE_FILE} in {folder}: run train.py in the unzipped \"Continue in PyTorch\" export.") from None
    except ValueError:
        raise RecipeError(f"{path} is damaged (not valid JSON): export the run from Ganvas again.") from None
    if recipe.get("format") != RECIPE_FORMAT:
        raise RecipeError(f"{path} is format {recipe.get('format')}; this train.py reads format {RECIPE_FORMAT}. Use the train.py from the same export.")
    return recipe


def load_training_set(folder, recipe):
    """The .npy as a read-only memory map, after checking it is the set the run trained on."""
    data = recipe["dataset"]
    path = os.path.join(folder, data["file"])
    try:
        size = os.path.getsize(path)
    except OSError:
        raise RecipeError(f"The training set {data['file']} is missing from {folder}.") from None
    if size != data["bytes"]:
        raise RecipeError(
            f"The training set {data['file']} is {size:,} bytes but this recipe's is {data['bytes']:,}: it is cut short or from another data set. Unzip the export again."
        )
    crc = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 24)
            if not chunk:
                break
            crc = zlib.crc32(chunk, crc)
    if crc != data["crc32"]:
        raise RecipeError(f"The training set {data['file']} is not the one this recipe was exported with (its checksum differs): it is from another data set or damaged.")
    array = np.load(path, mmap_mode="r")
    if list(array.shape) != data["shape"] or array.dtype != np.float32:
        raise RecipeError(f"The training set {data['file']} has shape {list(array.shape)}, expected {data['shape']}.")
    return array


def check_same_run(ckpt, recipe, what):
    """A checkpoint in --out must belong to this recipe's run: same data, same networks."""
    if ckpt["datasetIdentity"] != recipe["datasetIdentity"]:
        raise RecipeError(
            f"{what} was trained on other data than this recipe ({ckpt['datasetIdentity']} vs {recipe['datasetIdentity']}). Use a fresh --out folder for this recipe."
        )
    mine, theirs = recipe["summary"]["config"], ckpt["config"]
    fixed = ["architecture", "resolution", "channels", "width", "latentSize", "seed"]
    if any(mine[k] != theirs[k] for k in fixed):
        raise RecipeError(
            f"{what} is for {describe_architecture(theirs)} (seed {theirs['seed']}), but this recipe is {describe_architecture(mine)} (seed {mine['seed']}). Use a fresh --out folder for this recipe."
        )


# ---------------------------------------------------------------------------------------------
# Training


class Trainer:
    """A run's state in PyTorch: both networks, both Adams, the history, the step."""

    def __init__(self, ckpt, data, device, world, rank, dropout_masks="torch"):
        self.ckpt, self.data, self.device, self.world, self.rank = ckpt, data, device, world, rank
        self.config = dict(ckpt["config"])
        self.generator, self.discriminator = build_networks(self.config)
        check_against(self.generator, ckpt["generator"], "generator", self.config)
        check_against(self.discriminator, ckpt["discriminator"], "discriminator", self.config)
        load_into(self.generator, ckpt["generator"])
        load_into(self.discriminator, ckpt["discriminator"])
        self.discriminator.dropout_counts = list(ckpt["dropoutMaskCounts"])
        if dropout_masks == "app":
            self.discriminator.dropout_masks = self.app_dropout_mask
        self.step = ckpt["step"]
        self.metrics = list(ckpt["metrics"])
        c = self.config
        self.g_params = [self.generator.weight(n) for n in self.generator.trainable_names]
        self.d_params = [self.discriminator.weight(n) for n in self.discriminator.trainable_names]
        self.g_adam = TfjsAdam(self.g_params, c["generatorLearningRate"], c["generatorBeta1"], ckpt["generatorOptimizer"])
        self.d_adam = TfjsAdam(self.d_params, c["discriminatorLearningRate"], c["discriminatorBeta1"], ckpt["discriminatorOptimizer"])
        for what, adam, params in (("generator", self.g_adam, self.g_params), ("discriminator", self.d_adam, self.d_params)):
            if adam.started and [list(m.shape) for m in adam.m + adam.v] != [list(p.shape) for p in params + params]:
                raise RecipeError(f"The checkpoint's {what} optimiser state does not fit {describe_architecture(c)}.")
        self.generator.to(device).train()
        self.discriminator.to(device).train()
        self.g_adam.m = [t.to(device) for t in self.g_adam.m]
        self.g_adam.v = [t.to(device) for t in self.g_adam.v]
        self.d_adam.m = [t.to(device) for t in self.d_adam.m]
        self.d_adam.v = [t.to(device) for t in self.d_adam.v]
        if world > 1:
            # Gradients are averaged across processes; G's phase calls D's plain module (D is frozen there).
            ids = [device.index] if device.type == "cuda" else None
            self.g_ddp = DistributedDataParallel(self.generator, device_ids=ids)
            self.d_ddp = DistributedDataParallel(self.discriminator, device_ids=ids)
        else:
            self.g_ddp, self.d_ddp = self.generator, self.discriminator
        held_back = held_back_count(data.shape[0], c["qualityEvery"])
        self.pool = training_pool(data.shape[0], c["seed"], held_back)
        self.batch_positions = None

    def app_dropout_mask(self, index, x):
        """The app's mask for dropout layer `index` (SeededDropout): uniform draws in NHWC order, this process's rows."""
        run_seed = derive_seed(self.config["seed"], "dropout", [2, 3, 4, 5, 0][index])
        seed = derive_seed(run_seed, "dropout", self.discriminator.dropout_counts[index])
        b, ch, h, w = x.shape
        full = self.config["batchSize"]
        values = tfjs_random_uniform(full * h * w * ch, seed).reshape(full, h, w, ch)[self.batch_positions]
        return torch.from_numpy(np.ascontiguousarray(values)).permute(0, 3, 1, 2).to(x.device)

    def batch(self, step):
        """This process's share of the app's batch `step`: images [b, C, S, S] in [-1, 1] and noise [b, latent]."""
        c = self.config
        indices, flips = choose_batch(c["seed"], step, c["batchSize"], self.data.shape[0], c["flip"], self.pool)
        noise = step_noise(c, step, c["batchSize"])
        # Each process takes every world-th position of the batch (no shuffling, nothing padded).
        sampler = DistributedSampler(range(c["batchSize"]), num_replicas=self.world, rank=self.rank, shuffle=False)
        positions = list(sampler)
        self.batch_positions = positions
        images = np.stack([self.data[indices[p]][:, ::-1, :] if flips[p] else self.data[indices[p]] for p in positions])
        real = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2).to(self.device)
        return real, torch.from_numpy(noise[positions]).to(self.device)

    def train_step(self):
        """One step in the app's order; returns its metric row (averaged over processes)."""
        c, step = self.config, self.step
        real, noise = self.batch(step)
        self.discriminator.dropout_generator.manual_seed(derive_seed(derive_seed(c["seed"], "dropout", step), "dropout", self.rank + 1))
        for p in self.d_params:
            p.requires_grad_(True)
        # 1. D on real images, labelled 1 − smoothing.
        judged = self.d_ddp(real)
        d_real = keras_bce(judged, 1 - c["labelSmoothing"])
        d_real_acc = (judged > 0.5).float().mean()
        d_real.backward()
        self.d_adam.step()
        # 2. D on G's images (G in training mode, no gradient to G), labelled 0.
        with torch.no_grad():
            fake = self.generator(noise)
        judged = self.d_ddp(fake)
        d_fake = keras_bce(judged, 0)
        d_fake_acc = (judged <= 0.5).float().mean()
        d_fake.backward()
        self.d_adam.step()
        # 3. G through D, same noise, labelled 1; D's weights frozen (its BN statistics still move, as in the app).
        for p in self.d_params:
            p.requires_grad_(False)
        judged = self.discriminator(self.g_ddp(noise))
        g_loss = keras_bce(judged, 1)
        g_acc = (judged > 0.5).float().mean()
        g_loss.backward()
        self.g_adam.step()
        values = torch.stack([d_real, d_real_acc, d_fake, d_fake_acc, g_loss, g_acc]).detach()
        if self.world > 1:
            dist.all_reduce(values)
            values /= self.world
        self.step += 1
        row = dict(zip(METRIC_COLUMNS, [self.step] + [float(v) for v in values.cpu()]))
        self.metrics.append(row)
        return row

    def checkpoint(self):
        """The run now, in the app's checkpoint layout (names, order and optimiser state as loaded)."""
        ckpt = self.ckpt
        config = dict(self.config)
        config["steps"] = max(config["steps"], self.step)  # a longer run than planned still loads as unfinished
        g_state, d_state = self.g_adam.state(), self.d_adam.state()
        g_names = ckpt["generatorOptimizer"]["names"] or [f"{n}/m" for n in self.generator.trainable_names] + [f"{n}/v" for n in self.generator.trainable_names]
        d_names = ckpt["discriminatorOptimizer"]["names"] or [f"{n}/m" for n in self.discriminator.trainable_names] + [f"{n}/v" for n in self.discriminator.trainable_names]
        result = {
            "appVersion": ckpt["appVersion"],
            "config": config,
            "step": self.step,
            "datasetIdentity": ckpt["datasetIdentity"],
            "metrics": self.metrics,
            "quality": ckpt["quality"],
            "dropoutMaskCounts": list(self.discriminator.dropout_counts) if self.discriminator.dropout_counts else list(ckpt["dropoutMaskCounts"]),
            "generator": saved_weights(self.generator, ckpt["generator"]),
            "discriminator": saved_weights(self.discriminator, ckpt["discriminator"]),
            "generatorOptimizer": dict(g_state, names=g_names if g_state["slots"] else []),
            "discriminatorOptimizer": dict(d_state, names=d_names if d_state["slots"] else []),
        }
        return result

    @torch.no_grad()
    def faces(self, seeds):
        """The Generate view's faces for `seeds`: G in inference mode (BN moving averages), [n, S, S, C] in [-1, 1]."""
        latents = torch.from_numpy(np.stack([latent_for_seed(s, self.config["latentSize"]) for s in seeds])).to(self.device)
        self.generator.eval()
        try:
            return self.generator(latents).permute(0, 2, 3, 1).cpu().numpy()
        finally:
            self.generator.train()


# ---------------------------------------------------------------------------------------------
# Output: checkpoint.ganvas and generator.zip, written whole or not at all.


def write_atomically(path, data):
    temporary = path + ".partial"
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def generator_zip_bytes(folder, recipe, ckpt):
    """The app's generator zip: model.json (from the export), weights.bin in its manifest order, ganvas-run.json."""
    with open(os.path.join(folder, "generator", "model.json"), encoding="utf-8") as f:
        model_json = json.load(f)
    weights = dict((_base_name(n), v) for n, v in ckpt["generator"])
    specs = [spec for group in model_json["weightsManifest"] for spec in group["weights"]]
    blob = b"".join(np.ascontiguousarray(weights[_base_name(spec["name"])], dtype="<f4").tobytes() for spec in specs)
    model_json["weightsManifest"] = [{"paths": ["./weights.bin"], "weights": specs}]
    summary = dict(recipe["summary"])
    summary.update(config=ckpt["config"], step=ckpt["step"], backend=None, savedAt=datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"))
    summary["trainedWith"] = f"PyTorch {torch.__version__} (train.py)"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("model.json", json.dumps(model_json))
        z.writestr("weights.bin", blob)
        z.writestr("ganvas-run.json", json.dumps(summary, indent=2))
    return out.getvalue()


def save_outputs(folder, recipe, out, trainer):
    ckpt = trainer.checkpoint()
    zip_bytes = generator_zip_bytes(folder, recipe, ckpt)
    write_atomically(os.path.join(out, CHECKPOINT_FILE), encode_checkpoint(ckpt))
    write_atomically(os.path.join(out, GENERATOR_FILE), zip_bytes)


def check_app_stream(recipe, trainer):
    """The export records the app's next batch and noise; this train.py must draw the same ones."""
    expected = recipe.get("nextStep")
    if not expected or expected["step"] != trainer.step:
        return
    c = trainer.config
    indices, flips = choose_batch(c["seed"], trainer.step, c["batchSize"], trainer.data.shape[0], c["flip"], trainer.pool)
    noise = step_noise(c, trainer.step, c["batchSize"])
    if indices != expected["indices"] or flips != expected["flips"] or not np.allclose(noise.ravel(), np.array(expected["noise"], dtype=np.float32), atol=1e-6):
        raise RecipeError("This train.py draws different batches or noise than the app that exported the run: use the train.py from the same export.")


def setup_distributed(backend_choice):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        device = torch.device("cuda" if torch.cuda.is_available() and backend_choice != "gloo" else "cpu")
        return world, 0, device
    backend = backend_choice or ("nccl" if torch.cuda.is_available() else "gloo")
    dist.init_process_group(backend=backend)
    rank = dist.get_rank()
    if backend == "nccl":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    return world, rank, device


def main(argv=None):
    parser = argparse.ArgumentParser(description="Continue a Ganvas run in PyTorch (one process, or many under torchrun).")
    parser.add_argument("--steps", type=int, required=True, help="steps to add to the exported run")
    parser.add_argument("--out", required=True, help="folder for checkpoint.ganvas and generator.zip (resumes from its checkpoint)")
    parser.add_argument("--recipe", default=os.path.dirname(os.path.abspath(__file__)), help="the unzipped export (default: this file's folder)")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="write both files every this many steps (default 500)")
    parser.add_argument("--backend", choices=["nccl", "gloo"], default=None, help="torch.distributed backend (default: nccl with GPUs, else gloo)")
    parser.add_argument("--dropout-masks", choices=["torch", "app"], default="torch", help="'app' draws the app's exact dropout masks (slow; for checking)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per process (default: PyTorch's choice)")
    args = parser.parse_args(argv)
    if args.steps < 0 or args.checkpoint_every < 1:
        parser.error("--steps must be 0 or more and --checkpoint-every 1 or more")
    if args.threads:
        torch.set_num_threads(args.threads)
    world, rank, device = setup_distributed(args.backend)
    try:
        recipe = load_recipe(args.recipe)
        data = load_training_set(args.recipe, recipe)
        start = read_checkpoint(os.path.join(args.recipe, CHECKPOINT_FILE), f"The exported checkpoint ({CHECKPOINT_FILE})")
        check_same_run(start, recipe, f"The exported checkpoint ({CHECKPOINT_FILE})")
        target = start["step"] + args.steps
        resume_path = os.path.join(args.out, CHECKPOINT_FILE)
        ckpt = start
        if os.path.exists(resume_path):
            ckpt = read_checkpoint(resume_path, resume_path)
            check_same_run(ckpt, recipe, resume_path)
        batch = ckpt["config"]["batchSize"]
        if batch % world:
            raise RecipeError(f"The batch size ({batch}) must divide evenly among the {world} processes; use a process count that divides it.")
        trainer = Trainer(ckpt, data, device, world, rank, args.dropout_masks)
        check_app_stream(recipe, trainer)
    except RecipeError as error:
        if rank == 0:
            print(f"train.py: {error}", file=sys.stderr)
        if world > 1:
            dist.destroy_process_group()
        return 2
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        where = "resuming from " + resume_path if ckpt is not start else "starting from the export"
        print(f"{describe_architecture(trainer.config)}: step {trainer.step} → {target}, {world} process(es) on {device.type}, {where}", flush=True)
    began, first_step = time.perf_counter(), trainer.step
    while trainer.step < target:
        row = trainer.train_step()
        if rank == 0 and (trainer.step % 50 == 0 or trainer.step == target):
            print(f"step {row['step']}: D real {row['dRealLoss']:.4f}, D fake {row['dFakeLoss']:.4f}, G {row['gLoss']:.4f}", flush=True)
        if trainer.step % args.checkpoint_every == 0 and trainer.step < target and rank == 0:
            save_outputs(args.recipe, recipe, args.out, trainer)
    elapsed = time.perf_counter() - began
    if rank == 0:
        save_outputs(args.recipe, recipe, args.out, trainer)
        done = trainer.step - first_step
        rate = f", {done / elapsed:.2f} steps/s" if done and elapsed > 0 else ""
        print(f"done: step {trainer.step}{rate}; wrote {os.path.join(args.out, CHECKPOINT_FILE)} and {os.path.join(args.out, GENERATOR_FILE)}", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
        # Leave without running destructors. With PyTorch 1.13 and gloo, freeing the DDP model at
        # the end of main() can deadlock: its Reducer joins a gloo thread that waits for the GIL
        # the freeing thread holds (seen here: one process of two hung for good after both had
        # passed the barrier). Both files are written and every process is past the barrier.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
