/**
 * The lab functions, by their logical names: the one list every deployment deploys (the local
 * platform, the OpenFaaS provisioner, the AWS Lambda and Azure Functions lab templates), every
 * bundle is built for (`build.ts`) and experiments call. A deployment names them per run
 * (`fb-<run8>-function1` …); nested calls map the logical name to the deployed one
 * (adapters/shared/function-names.ts).
 *
 * Here, inside lab-functions/, because the functions are built and deployed on their own and may
 * import nothing from outside this folder; the control plane, the local platform and the
 * experiments import it from here.
 */
export const LAB_FUNCTION_NAMES = ['function1', 'function2', 'function3', 'monolith'] as const;
export type LabFunctionName = (typeof LAB_FUNCTION_NAMES)[number];
