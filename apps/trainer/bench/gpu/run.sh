#!/usr/bin/env bash
# The GPU bench, one command, from the folder build.mjs made (node, bench.mjs, dawn.node, ...):
# the TF.js Mask R-CNN step on webgpu (R50-FPN 2 x 1333x800, and the synthetic preset), then
# torchvision's on the same GPU, then TF.js / PyTorch for the R50-FPN step. Env: BENCH_STEPS.
set -uo pipefail
cd "$(dirname "$0")"
steps=${BENCH_STEPS:-5}
echo "== vulkan ICDs: $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | tr '\n' ' ')"
echo "== TF.js on ${CRAT_BACKEND:-webgpu}"
tfjs=$(BENCH_STEPS=$steps timeout "${BENCH_TIMEOUT_S:-420}" ./node bench.mjs 2>&1 | grep -v 'artificially reduced')
echo "$tfjs"
echo "== PyTorch / torchvision"
torch=$(timeout 300 python3 torchvision_maskrcnn_step.py --steps "$steps" 2>&1)
echo "$torch"
./node -e '
  const last = (s, key) => s.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((r) => key(r));
  const [tfjs, torch] = process.argv.slice(1);
  const a = last(tfjs, (r) => r.key === "r50");
  const b = last(torch, (r) => "torch" in r);
  if (a && b) console.log(`R50-FPN train step: TF.js ${a["train s/step"]} s, PyTorch ${b["train s/step"]} s, ratio ${(a["train s/step"] / b["train s/step"]).toFixed(2)} (target <= 3)`);
  else console.log("no ratio: one side did not finish (see above)");
' "$tfjs" "$torch"
