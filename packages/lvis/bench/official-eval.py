# One run of the official LVIS API (the `lvis` package and pycocotools, found on
# PYTHONPATH) on a ground truth and a results file; prints one JSON line with the time
# it took in this process, its peak RSS, the 13 metrics and the per-category AP (mean
# precision over IoU thresholds and recall points for area `all`, defined ones only).
# Usage: python3 official-eval.py <gt.json> <results.json> <bbox|segm>
import json
import resource
import sys
import time

t0 = time.perf_counter()
from lvis import LVISEval  # noqa: E402

gt_path, results_path, iou_type = sys.argv[1:4]
ev = LVISEval(gt_path, results_path, iou_type)
ev.run()
seconds = time.perf_counter() - t0
precision = ev.eval["precision"]
per_category_ap = {}
for k, cat_id in enumerate(ev.params.cat_ids):
    p = precision[:, :, k, 0]
    p = p[p > -1]
    if p.size:
        per_category_ap[str(cat_id)] = float(p.mean())
print(
    json.dumps(
        {
            "seconds": seconds,
            "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "metrics": {k: float(v) for k, v in ev.results.items()},
            "per_category_ap": per_category_ap,
        }
    )
)
