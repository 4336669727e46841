// Writes schemas/nn-model.schema.json from the zod schema the parser validates with, so completion and
// hovers in the editor can never disagree with the parser. `npm run schema`; a unit test checks it is current.
import { mkdirSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { modelFileSchema } from '../src/model/schema';

export function modelJsonSchema(): string {
  const schema = z.toJSONSchema(modelFileSchema, { target: 'draft-7' });
  return `${JSON.stringify({ ...schema, title: 'Backprop Debugger model file' }, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('gen-schema.ts')) {
  mkdirSync('schemas', { recursive: true });
  writeFileSync('schemas/nn-model.schema.json', modelJsonSchema());
  console.log('wrote schemas/nn-model.schema.json');
}
