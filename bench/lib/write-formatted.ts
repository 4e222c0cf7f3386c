/**
 * Writes a bench output as `prettier --check .` (part of `npm run lint`) expects it, so that a run
 * leaves the tree lint-clean: the JSON and markdown renderers need not know prettier's rules.
 */
import { writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';

export async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  await writeFile(file, await format(text, { ...options, filepath: file }));
}
