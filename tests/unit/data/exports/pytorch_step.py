"""Test helper for pytorch-recipe.test.ts: one single-process PyTorch step from an unzipped export.

Usage: python3 pytorch_step.py RECIPE_DIR
Prints JSON: {"face42": [... G's seed-42 face before the step, NHWC ...], "row": {...the step's metrics...},
"step": n}. Dropout masks are the app's (--dropout-masks app), so the losses are comparable with the app's
next step; train.py's own check that it draws the app's batch and noise runs first.
"""
import json
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
import train  # noqa: E402  (the export's own train.py)

torch.set_num_threads(1)
folder = sys.argv[1]
recipe = train.load_recipe(folder)
data = train.load_training_set(folder, recipe)
ckpt = train.read_checkpoint(os.path.join(folder, train.CHECKPOINT_FILE), "The exported checkpoint")
trainer = train.Trainer(ckpt, data, torch.device("cpu"), 1, 0, "app")
train.check_app_stream(recipe, trainer)
face = trainer.faces([42])[0]
row = trainer.train_step()
print(json.dumps({"face42": face.ravel().tolist(), "row": row, "step": trainer.step}))
