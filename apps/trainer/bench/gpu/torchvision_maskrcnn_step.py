"""The GPU bench's PyTorch side: torchvision's Mask R-CNN R50-FPN (random weights, 1204 outputs:
LVIS's 1203 classes + background) training-step time on 2 x 1333x800 images with 8 filled boxes
each, SGD momentum 0.9 and weight decay 1e-4, on CUDA when present. Prints one JSON line.

Usage: python3 torchvision_maskrcnn_step.py [--steps N] [--device cuda|cpu]
"""

import argparse
import json
import time

import torch
import torchvision
from torchvision.models.detection import maskrcnn_resnet50_fpn

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=5)
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
args = p.parse_args()
dev = torch.device(args.device)
torch.manual_seed(0)

# min_size/max_size keep 1333x800 as it is (no resize); random weights, nothing downloaded.
model = maskrcnn_resnet50_fpn(num_classes=1204, min_size=800, max_size=1333).to(dev).train()
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
h, w = 800, 1333
g = torch.Generator().manual_seed(7)


def target():
    boxes, masks = [], []
    for _ in range(8):
        bw = 32 + torch.rand(1, generator=g).item() * (w / 3)
        bh = 32 + torch.rand(1, generator=g).item() * (h / 3)
        x0 = torch.rand(1, generator=g).item() * (w - bw)
        y0 = torch.rand(1, generator=g).item() * (h - bh)
        boxes.append([x0, y0, x0 + bw, y0 + bh])
        m = torch.zeros(h, w, dtype=torch.uint8)
        m[int(y0) : int(y0 + bh), int(x0) : int(x0 + bw)] = 1
        masks.append(m)
    return {
        "boxes": torch.tensor(boxes, device=dev),
        "labels": torch.randint(1, 1204, (8,), generator=g).to(dev),
        "masks": torch.stack(masks).to(dev),
    }


images = [torch.rand(3, h, w, generator=g).to(dev) for _ in range(2)]
targets = [target() for _ in range(2)]


def step():
    losses = model(images, targets)
    loss = sum(losses.values())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if dev.type == "cuda":
        torch.cuda.synchronize()


t = time.perf_counter()
step()
first = time.perf_counter() - t
t = time.perf_counter()
for _ in range(args.steps):
    step()
per = (time.perf_counter() - t) / args.steps
print(
    json.dumps(
        {
            "case": "torchvision maskrcnn_resnet50_fpn, 1204 outputs, 2 x 1333x800, 8 objects/img",
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
            "first step s": round(first, 2),
            "train s/step": round(per, 3),
        }
    )
)
