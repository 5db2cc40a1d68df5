import type { LabFunctionDefinition } from '../core/definition';

/** function2: the plain lab function (sleep, busy work, nested calls), under its own name. */
export const function2: LabFunctionDefinition = { name: 'function2' };
export default function2;
