/** The two recipe exports by target, for the worker's export-recipe request. */
import type { RecipeTarget } from '../../protocol/messages.ts';
import { kerasRecipeZip, type RecipeSources } from './keras-recipe.ts';
import { pytorchRecipeZip } from './pytorch-recipe.ts';

const BUILDERS: Readonly<Record<RecipeTarget, { build(sources: RecipeSources): Promise<Blob>; prefix: string }>> = {
  keras: { build: kerasRecipeZip, prefix: 'ganvas-recipe' },
  pytorch: { build: pytorchRecipeZip, prefix: 'ganvas-pytorch' },
};

/** The recipe zip for `target` and the name to save it under (`ganvas-pytorch-step-120.zip`). */
export async function buildRecipe(target: RecipeTarget, sources: RecipeSources): Promise<{ zip: Blob; fileName: string }> {
  const { build, prefix } = BUILDERS[target];
  return { zip: await build(sources), fileName: `${prefix}-step-${sources.summary.step}.zip` };
}
