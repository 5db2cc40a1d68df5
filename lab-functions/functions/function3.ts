import type { LabFunctionDefinition } from '../core/definition';

/** function3: the plain lab function (sleep, busy work, nested calls), under its own name. */
export const function3: LabFunctionDefinition = { name: 'function3' };
export default function3;
