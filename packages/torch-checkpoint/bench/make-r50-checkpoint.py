# Writes a checkpoint of torchvision's maskrcnn_resnet50_fpn shapes (91 classes, ~170 MB float32)
# with seeded random values, by torch.save, in the zip format and in the legacy format.
#   /usr/bin/python3 bench/make-r50-checkpoint.py OUT_DIR
import os
import sys

import torch
import torchvision

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
model = torchvision.models.detection.maskrcnn_resnet50_fpn(weights=None, weights_backbone=None)
sd = model.state_dict()
for v in sd.values():
    if v.dtype.is_floating_point:
        v.copy_(torch.randn(v.shape))
tmp = os.path.join(out, ".maskrcnn_r50_fpn_random.pth.tmp")
torch.save(sd, tmp)
os.replace(tmp, os.path.join(out, "maskrcnn_r50_fpn_random.pth"))
torch.save(sd, tmp, _use_new_zipfile_serialization=False)
os.replace(tmp, os.path.join(out, "maskrcnn_r50_fpn_random_legacy.pth"))
print(sum(v.numel() for v in sd.values()), "values in", len(sd), "tensors")
