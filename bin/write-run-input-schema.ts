/** `npm run schema`: write the execution input's JSON Schema (lib/control-plane/run-input-schema.ts) into the repository. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_INPUT_SCHEMA_PATH, runInputJsonSchemaText } from '../lib/control-plane/run-input-schema';

const target = join(__dirname, '..', RUN_INPUT_SCHEMA_PATH);
writeFileSync(target, runInputJsonSchemaText());
console.log(`wrote ${RUN_INPUT_SCHEMA_PATH}`);
