"""PyTorch reference for the detector bench: one training step of torchvision's Mask R-CNN
layout on a ResNet-18 FPN (41 classes, 2 x 128 px), timed on this machine so the TF.js figure
is compared within one run rather than with a number taken on another machine.

Needs only `torch` (torchvision's compiled ops are not required): RoIAlign is bilinear
sampling with `grid_sample` (2 x 2 samples per bin, torchvision's sampling_ratio=2), and the
proposal NMS is left out (host-side work of a few ms). Everything with FLOPs is as in
torchvision's defaults: frozen-BN ResNet-18 with the stem and layer1 frozen (trainable_layers=3),
256-channel FPN + max-pool P6, RPN head (3 anchors), 512 sampled RoIs per image through
TwoMLPHead(1024) and the class-wise predictor, the positives through the 4 x conv3x3(256) mask
head, the 2x deconv and the 1x1 class logits; losses, backward, SGD with momentum and weight decay.

Usage: python3 pytorch-reference.py [--positives P] [--steps N] [--threads T]
Prints one JSON line.
"""

import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--positives", type=int, default=38, help="positive RoIs in the step (both images)")
p.add_argument("--steps", type=int, default=3)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--classes", type=int, default=41)
p.add_argument("--size", type=int, default=128)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class FrozenBN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.register_buffer("w", torch.ones(c))
        self.register_buffer("b", torch.zeros(c))

    def forward(self, x):
        return x * self.w.view(1, -1, 1, 1) + self.b.view(1, -1, 1, 1)


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = FrozenBN(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = FrozenBN(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), FrozenBN(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet18FPN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = FrozenBN(64)
        chans = [64, 128, 256, 512]
        self.layers = nn.ModuleList()
        cin = 64
        for i, c in enumerate(chans):
            s = 1 if i == 0 else 2
            self.layers.append(nn.Sequential(Basic(cin, c, s), Basic(c, c, 1)))
            cin = c
        self.lateral = nn.ModuleList(nn.Conv2d(c, 256, 1) for c in chans)
        self.fpn = nn.ModuleList(nn.Conv2d(256, 256, 3, 1, 1) for _ in chans)
        for m in [self.conv1, *self.layers[0].parameters()]:
            for q in m.parameters() if isinstance(m, nn.Module) else [m]:
                q.requires_grad_(False)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        cs = []
        for layer in self.layers:
            x = layer(x)
            cs.append(x)
        lat = [l(c) for l, c in zip(self.lateral, cs)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[-2:], mode="nearest")
        outs = [f(l) for f, l in zip(self.fpn, lat)]
        outs.append(F.max_pool2d(outs[-1], 1, 2))
        return outs  # P2..P6


def roi_align(feats, rois, out, strides):
    """Multi-level RoIAlign (FPN level rule k0=4, canonical 224) as 2 x 2 bilinear samples per bin."""
    n, c = feats[0].shape[:2]
    k = rois.shape[0]
    w = (rois[:, 3] - rois[:, 1]).clamp(min=1)
    h = (rois[:, 4] - rois[:, 2]).clamp(min=1)
    lvl = torch.floor(4 + torch.log2(torch.sqrt(w * h) / 224 + 1e-6)).clamp(2, 5).long() - 2
    res = torch.zeros(k, c, out, out)
    s = out * 2
    t = (torch.arange(s, dtype=torch.float32) + 0.5) / s
    for li in range(4):
        for img in range(n):
            idx = torch.nonzero((lvl == li) & (rois[:, 0] == img)).flatten()
            if idx.numel() == 0:
                continue
            f = feats[li][img : img + 1]
            hh, ww = f.shape[-2:]
            r = rois[idx, 1:] / strides[li]
            xs = r[:, 0:1] + t.view(1, -1) * (r[:, 2:3] - r[:, 0:1])
            ys = r[:, 1:2] + t.view(1, -1) * (r[:, 3:4] - r[:, 1:2])
            gx = (xs / ww) * 2 - 1
            gy = (ys / hh) * 2 - 1
            grid = torch.stack(
                [gx.view(-1, 1, s).expand(-1, s, s), gy.view(-1, s, 1).expand(-1, s, s)], dim=-1
            ).reshape(1, idx.numel() * s, s, 2)
            v = F.grid_sample(f, grid, mode="bilinear", align_corners=False)  # [1, C, K*s, s]
            v = v.view(c, idx.numel(), s, s).permute(1, 0, 2, 3)
            res[idx] = F.avg_pool2d(v, 2)
    return res


C = args.classes
backbone = ResNet18FPN()
rpn_conv = nn.Conv2d(256, 256, 3, 1, 1)
rpn_cls = nn.Conv2d(256, 3, 1)
rpn_reg = nn.Conv2d(256, 12, 1)
fc6 = nn.Linear(256 * 49, 1024)
fc7 = nn.Linear(1024, 1024)
cls = nn.Linear(1024, C + 1)  # + background, as the TF.js model with numClasses C
reg = nn.Linear(1024, C * 4)
mask_convs = nn.ModuleList(nn.Conv2d(256, 256, 3, 1, 1) for _ in range(4))
deconv = nn.ConvTranspose2d(256, 256, 2, 2)
logits = nn.Conv2d(256, C, 1)
modules = [backbone, rpn_conv, rpn_cls, rpn_reg, fc6, fc7, cls, reg, mask_convs, deconv, logits]
params = [q for m in modules for q in m.parameters() if q.requires_grad]
opt = torch.optim.SGD(params, lr=0.02, momentum=0.9, weight_decay=1e-4)

N, S = 2, args.size
images = torch.randn(N, 3, S, S)
rois_per_img, P = 512, args.positives
g = torch.Generator().manual_seed(1)
xy = torch.rand(N * rois_per_img, 2, generator=g) * (S - 24)
wh = 8 + torch.rand(N * rois_per_img, 2, generator=g) * (S / 2)
boxes = torch.cat([xy, (xy + wh).clamp(max=S)], 1)
rois = torch.cat([torch.arange(N).repeat_interleave(rois_per_img).float().view(-1, 1), boxes], 1)
labels = torch.randint(0, C + 1, (N * rois_per_img,), generator=g)
pos = torch.cat([torch.arange(P // 2), rois_per_img + torch.arange(P - P // 2)])
labels[pos] = torch.randint(0, C, (P,), generator=g)
strides = [4, 8, 16, 32]


def step():
    feats = backbone(images)
    rpn_loss = 0
    for f in feats:
        hdn = F.relu(rpn_conv(f))
        o, d = rpn_cls(hdn), rpn_reg(hdn)
        # 256 sampled anchors per image in torchvision; the loss over all is the same FLOPs class
        rpn_loss = rpn_loss + F.binary_cross_entropy_with_logits(o, torch.zeros_like(o)) + d.abs().mean()
    x = roi_align(feats, rois, 7, strides).flatten(1)
    x = F.relu(fc7(F.relu(fc6(x))))
    loss = rpn_loss + F.cross_entropy(cls(x), labels) + reg(x)[pos].abs().mean()
    m = roi_align(feats, rois[pos], 14, strides)
    for conv in mask_convs:
        m = F.relu(conv(m))
    m = logits(F.relu(deconv(m)))
    chosen = m[torch.arange(P), labels[pos]]
    loss = loss + F.binary_cross_entropy_with_logits(chosen, torch.zeros_like(chosen))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


step()
t0 = time.perf_counter()
for _ in range(args.steps):
    step()
dt = (time.perf_counter() - t0) / args.steps
print(
    json.dumps(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "positives": P,
            "rois": N * rois_per_img,
            "s_per_step": round(dt, 3),
        }
    )
)
