# Writes the small test checkpoints in this folder with PyTorch, and what torch.load reads back
# from each (expected.json), plus per-tensor digests of the shared torchvision fixture files
# (fixture-digests.json). Run with Debian's torch 1.13 from the package folder:
#   /usr/bin/python3 test/vectors/make-vectors.py
# The outputs are committed; tests never need Python.
import argparse
import collections
import hashlib
import io
import json
import math
import os
import pickle
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def views_state_dict():
    """Every dtype, and views that are not plain contiguous storages."""
    sd = collections.OrderedDict()
    sd["f32"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.5 - 3
    sd["f16"] = torch.tensor(
        [1 / 3, -0.0, 65504, 6e-8, -2.5, float("inf"), 1e-5, 0.1], dtype=torch.float16
    )
    sd["bf16"] = torch.tensor([1 / 3, -1e30, 3.0e-39, 7.5, float("-inf")], dtype=torch.bfloat16)
    sd["f64"] = torch.tensor([1 / 3, 1e300, -5e-324, math.pi], dtype=torch.float64)
    sd["i64"] = torch.tensor([-(2**62), -1, 0, 2**53 + 1, 2**62], dtype=torch.int64)
    sd["i32"] = torch.tensor([-(2**31), -7, 2**31 - 1], dtype=torch.int32)
    sd["i16"] = torch.tensor([-32768, 12345], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 5, 127], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["f32_transposed"] = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    base = torch.arange(20, dtype=torch.float32)
    sd["f32_offset_view"] = base[5:15].view(2, 5)
    sd["f32_strided_slice"] = base[2::3]
    sd["f32_permuted"] = torch.arange(120, dtype=torch.float32).reshape(2, 3, 4, 5).permute(0, 2, 3, 1)
    sd["f32_expanded"] = torch.arange(3, dtype=torch.float32).view(3, 1).expand(3, 4)
    sd["f64_transposed"] = torch.tensor([[1 / 3, 2.0, -3.5], [4.25, 5e-300, 6.0]], dtype=torch.float64).t()
    sd["f16_transposed"] = sd["f16"][:6].view(2, 3).t()
    sd["i8_transposed"] = torch.arange(-3, 3, dtype=torch.int8).view(2, 3).t()
    sd["i64_scalar"] = torch.tensor(7)
    sd["f32_scalar"] = torch.tensor(2.5)
    sd["f32_empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.full((2, 2), 0.75))
    return sd


def expected_values(t):
    flat = t.detach().contiguous().view(-1)
    if t.dtype == torch.int64:
        values = [str(v) for v in flat.tolist()]
    elif t.dtype == torch.bool:
        values = [int(v) for v in flat.tolist()]
    elif t.dtype.is_floating_point:
        values = [v if math.isfinite(v) else str(v) for v in flat.double().tolist()]
    else:
        values = flat.tolist()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values}


def storage_element_sizes(path):
    """Storage key -> element size, from the persistent ids of a zip checkpoint's data.pkl."""
    sizes = {}

    class Ids(pickle.Unpickler):
        def find_class(self, module, name):
            if name.endswith("Storage"):
                return getattr(torch, name)
            if name == "OrderedDict":
                return collections.OrderedDict
            return lambda *a, **k: None

        def persistent_load(self, pid):
            sizes[pid[2]] = pid[1](0).element_size()
            return None

    with zipfile.ZipFile(path) as z:
        pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
        Ids(io.BytesIO(z.read(pkl))).load()
    return sizes


def write_big_endian_copy(src, dst):
    """The same archive with a `byteorder` record of 'big' and every storage byte-swapped."""
    sizes = storage_element_sizes(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        prefix = zin.namelist()[0].split("/")[0]
        for info in zin.infolist():
            data = zin.read(info.filename)
            key = info.filename[len(prefix) + len("/data/"):]
            if info.filename.startswith(prefix + "/data/") and sizes.get(key, 1) > 1:
                n = sizes[key]
                data = b"".join(data[i : i + n][::-1] for i in range(0, len(data), n))
            zout.writestr(info.filename, data)
        zout.writestr(prefix + "/byteorder", "big")


def main():
    torch.manual_seed(0)
    sd = views_state_dict()
    expected = {}

    def save(name, obj, tensors, **kwargs):
        torch.save(obj, os.path.join(HERE, name), **kwargs)
        expected[name] = {k: expected_values(v) for k, v in tensors.items()}

    save("views.pth", sd, sd)
    save("views-legacy.pth", sd, sd, _use_new_zipfile_serialization=False)
    save("views-protocol4.pth", sd, sd, pickle_protocol=4)
    save("views-protocol1-legacy.pth", sd, sd, pickle_protocol=1, _use_new_zipfile_serialization=False)
    write_big_endian_copy(os.path.join(HERE, "views.pth"), os.path.join(HERE, "views-bigendian.pth"))
    expected["views-bigendian.pth"] = expected["views.pth"]

    small = collections.OrderedDict(
        [("backbone.conv1.weight", torch.arange(6, dtype=torch.float32).view(2, 3)), ("neck.bias", torch.ones(2))]
    )
    mmdet = {"meta": {"mmdet_version": "2.28.2", "CLASSES": ("cat", "dog"), "epoch": 12}, "state_dict": small}
    save("mmdet-style.pth", mmdet, small)
    d2 = {"model": small, "__author__": "someone", "iteration": 5}
    save("detectron2-style.pth", d2, small)
    reference = {"model": small, "args": argparse.Namespace(lr=0.02, epochs=26), "epoch": 3}
    save("torchvision-reference-style.pth", reference, small)
    wrapped = {"state_dict": collections.OrderedDict((f"module.{k}", v) for k, v in small.items())}
    save("dataparallel-style.pth", wrapped, small)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"torch": torch.__version__, "files": expected}, f, separators=(",", ":"))
        f.write("\n")

    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../../shared/fixtures/torchvision")
    digests = {}
    for name in ["maskrcnn_r18_fpn64_torchvision.pth", "maskrcnn_r18_fpn64_mmdet.pth", "resnet18_stem_layer1_legacy.pth"]:
        path = os.path.join(fixtures, name)
        with open(path, "rb") as f:
            file_sha = hashlib.sha256(f.read()).hexdigest()
        obj = torch.load(path)
        sd_ = obj["state_dict"] if "state_dict" in obj else obj
        digests[name] = {
            "sha256": file_sha,
            "tensors": {
                k: {
                    "dtype": str(t.dtype).replace("torch.", ""),
                    "shape": list(t.shape),
                    "sha256": hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest(),
                }
                for k, t in sd_.items()
            },
        }
    with open(os.path.join(HERE, "fixture-digests.json"), "w") as f:
        json.dump({"torch": torch.__version__, "files": digests}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
