import { buildFunctions } from '../lab-functions/build';

/** Build every lab-function bundle once before the tests: platform tests start real instances of them. */
export default async function setup(): Promise<void> {
  await buildFunctions();
}
