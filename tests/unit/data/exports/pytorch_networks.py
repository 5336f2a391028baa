"""Test helper for pytorch-recipe.test.ts: train.py's networks against the app's, for every size.

Usage: python3 pytorch_networks.py TRAIN_PY_FOLDER CASES_JSON
Each case names a config and either the app's weight names and shapes (layout only), or a
checkpoint file with the app's seed-42 face and D's verdict on it (inference mode). Prints JSON:
one {"name", "faceError", "judgedError"} per forward case; raises on any layout mismatch.
"""
import json
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
import train  # noqa: E402

torch.set_num_threads(1)
with open(sys.argv[2], encoding="utf-8") as f:
    cases = json.load(f)
results = []
for case in cases:
    config = case["config"]
    generator, discriminator = train.build_networks(config)
    if "checkpoint" in case:
        ckpt = train.read_checkpoint(case["checkpoint"], case["name"])
        saved_g, saved_d = ckpt["generator"], ckpt["discriminator"]
    else:
        saved_g = [(n, np.zeros(s, dtype=np.float32)) for n, s in case["generator"]]
        saved_d = [(n, np.zeros(s, dtype=np.float32)) for n, s in case["discriminator"]]
    train.check_against(generator, saved_g, "generator", config)
    train.check_against(discriminator, saved_d, "discriminator", config)
    if "checkpoint" not in case:
        continue
    train.load_into(generator, saved_g)
    train.load_into(discriminator, saved_d)
    generator.eval()
    discriminator.eval()
    with torch.no_grad():
        face = generator(torch.from_numpy(train.latent_for_seed(42, config["latentSize"])[None]))
        judged = discriminator(face)
    face_error = float(np.max(np.abs(face.permute(0, 2, 3, 1).numpy().ravel() - np.array(case["face"], dtype=np.float32))))
    results.append({"name": case["name"], "faceError": face_error, "judgedError": abs(float(judged[0, 0]) - case["judged"])})
print(json.dumps(results))
