import type { LabFunctionDefinition } from '../core/definition';

/** function1: the plain lab function (sleep, busy work, nested calls), under its own name. */
export const function1: LabFunctionDefinition = { name: 'function1' };
export default function1;
