/**
 * A run's facts → the lines of its bill, before pricing: the functions (requests, compute, the
 * REST API in front of Lambda), the client machine's hours and public address, the deployed
 * control plane's state transitions, Data API and S3 requests, and the data that leaves a cloud.
 * What runs on this machine (the embedded default, the local control plane, an OpenFaaS cluster
 * of your own) is listed with no price and says why. Pure; no I/O.
 */
import {
  BYTES_PER_GB,
  billingModelOf,
  DATA_API_REQUESTS_PER_HEARTBEAT,
  DATA_API_REQUESTS_PER_RUN,
  DURATION_BILLING,
  LAMBDA_INIT_MS_ASSUMED,
  S3_REQUESTS_PER_RUN,
  TRANSFER_BYTES,
} from './assumptions';
import type { RunFacts } from './run-facts';
import { countStateTransitions } from './state-transitions';
import type { UsageLine } from './types';

const THIS_MACHINE = 'runs on this machine';
const YOUR_CLUSTER = 'your OpenFaaS cluster: not priced';

/** The lines, and the notes the estimate carries for these facts. */
export function usageLines(facts: RunFacts): { lines: UsageLine[]; notes: string[] } {
  const lines = [...functionLines(facts), ...clientLines(facts), ...controlPlaneLines(facts), ...egressLines(facts)];
  const notes: string[] = [];
  if (facts.platform === 'local' && facts.client.kind === 'local' && facts.controlPlane === 'local') {
    notes.push('embedded default: the functions, the client and the control plane all run on this machine, so nothing here is billed');
  } else if (facts.controlPlane === 'local') notes.push('the local control plane runs on this machine: no Step Functions, Data API or S3 requests');
  if (facts.platform === 'openfaas') notes.push('OpenFaaS functions run on your cluster, whose cost this estimate does not know');
  return { lines, notes };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function functionLines(facts: RunFacts): UsageLine[] {
  const groups = facts.invocations;
  const invocations = sum(groups.map((group) => group.invocations));
  const model = billingModelOf(facts.platform, facts.azureHosting?.plan);
  if (!model) {
    const why = facts.platform === 'openfaas' ? YOUR_CLUSTER : THIS_MACHINE;
    return [{ what: `lab-function invocations (${facts.platform})`, quantity: invocations, unit: 'request', price: { free: why } }];
  }
  const billing = DURATION_BILLING[model];
  const defaultMemoryMb = facts.azureHosting?.instanceMemoryMb ?? billing.defaultMemoryMb;
  const memoryGbOf = (memoryMb: number | null) => (Math.ceil((memoryMb ?? defaultMemoryMb) / billing.memoryStepMb) * billing.memoryStepMb) / 1024;
  const executed = sum(groups.map((group) => group.executed));
  const gbSeconds = sum(groups.map((group) => (group.billed_ms / 1000) * memoryGbOf(group.memory_mb)));
  if (model === 'azure-functions-flex-consumption') return flexConsumptionLines(facts, executed, gbSeconds, memoryGbOf);
  if (model === 'azure-functions-consumption') {
    return [
      { what: 'Azure Functions executions', quantity: executed, unit: 'execution', price: { key: 'azureFunctionsExecution' } },
      {
        what: 'Azure Functions execution time',
        quantity: gbSeconds,
        unit: 'GB-second',
        price: { key: 'azureFunctionsGbSecond' },
        note: `each execution at least ${billing.minimumMs} ms, at the ${billing.defaultMemoryMb} MB limit (Azure bills the memory used, which is less: an upper bound)`,
      },
    ];
  }
  const coldStarts = sum(groups.map((group) => group.cold));
  const initGbSeconds = sum(groups.map((group) => group.cold * (LAMBDA_INIT_MS_ASSUMED / 1000) * memoryGbOf(group.memory_mb)));
  const apiCalls = sum(groups.filter((group) => group.root).map((group) => group.answered));
  return [
    { what: 'AWS Lambda requests', quantity: executed, unit: 'request', price: { key: 'lambdaRequest' } },
    { what: 'AWS Lambda compute', quantity: gbSeconds, unit: 'GB-second', price: { key: 'lambdaGbSecondX86' }, note: 'execution time of each call, rounded up to 1 ms, × its memory' },
    {
      what: 'AWS Lambda INIT of cold starts',
      quantity: initGbSeconds,
      unit: 'GB-second',
      price: { key: 'lambdaGbSecondX86' },
      note: `${coldStarts} cold starts × ${LAMBDA_INIT_MS_ASSUMED} ms assumed (not measured)`,
    },
    { what: 'API Gateway REST API calls', quantity: apiCalls, unit: 'request', price: { key: 'apiGatewayRestRequest' } },
  ];
}

/**
 * Flex Consumption on demand: every execution, and the instance memory for as long as each instance
 * executed (DURATION_BILLING's comment says how far that figure can be trusted). `perExecutionGbSeconds`
 * bills each execution as its own period, for when the periods are not known.
 */
function flexConsumptionLines(facts: RunFacts, executed: number, perExecutionGbSeconds: number, memoryGbOf: (memoryMb: number | null) => number): UsageLine[] {
  const { minimumMs, roundUpToMs } = DURATION_BILLING['azure-functions-flex-consumption'];
  const rule = `at least ${minimumMs / 1000} s each, rounded up to ${roundUpToMs} ms`;
  const activity = facts.instanceActivity;
  const time: UsageLine = activity
    ? {
        what: 'Azure Functions instance time (Flex Consumption, on demand)',
        quantity: sum(activity.map((group) => (group.billed_ms / 1000) * memoryGbOf(group.memory_mb))),
        unit: 'GB-second',
        price: { key: 'azureFlexGbSecond' },
        note: `instance memory × the time each instance was executing: ${executed} executions on ${sum(activity.map((group) => group.instances))} instances, overlapping ones joined into ${sum(activity.map((group) => group.periods))} activity periods, ${rule} (from the functions' own start and end times)`,
      }
    : {
        what: 'Azure Functions instance time (Flex Consumption, on demand)',
        quantity: perExecutionGbSeconds,
        unit: 'GB-second',
        price: { key: 'azureFlexGbSecond' },
        note: `instance memory × each execution as its own activity period, ${rule}: an upper bound (overlapping executions on one instance are billed once)`,
      };
  return [
    {
      what: 'Azure Functions executions (Flex Consumption, on demand)',
      quantity: executed,
      unit: 'execution',
      price: { key: 'azureFlexExecution' },
      note: 'the lab configures no always-ready instances, so there is no baseline charge',
    },
    time,
  ];
}

function clientLines(facts: RunFacts): UsageLine[] {
  const hours = facts.client.seconds / 3600;
  const { kind, size } = facts.client;
  if (kind === 'local') return [{ what: 'client: this machine', quantity: hours, unit: 'hour', price: { free: THIS_MACHINE } }];
  const machine = size ?? 'unknown size';
  if (kind === 'ec2') {
    return [
      { what: `client: EC2 ${machine}`, quantity: hours, unit: 'hour', price: { ec2InstanceType: machine }, note: 'from its creation to the end of the run' },
      { what: "client's public IPv4 address (AWS)", quantity: hours, unit: 'hour', price: { key: 'awsPublicIpv4Hour' } },
    ];
  }
  return [
    { what: `client: Azure VM ${machine}`, quantity: hours, unit: 'hour', price: { azureVmSize: machine }, note: 'from its creation to the end of the run' },
    { what: "client's public IPv4 address (Azure)", quantity: hours, unit: 'hour', price: { key: 'azurePublicIpHour' } },
  ];
}

function controlPlaneLines(facts: RunFacts): UsageLine[] {
  if (facts.controlPlane === 'local') return [];
  const heartbeats = Math.floor((facts.agentSeconds * 1000) / facts.heartbeatIntervalMs);
  return [
    {
      what: 'Step Functions state transitions',
      quantity: countStateTransitions(facts.readinessPolls),
      unit: 'state transition',
      price: { key: 'stepFunctionsTransition' },
      note: `RunExperiment's completed path, readiness polled ${facts.readinessPolls.functions} + ${facts.readinessPolls.client} times`,
    },
    {
      what: 'RDS Data API requests',
      quantity: DATA_API_REQUESTS_PER_RUN + heartbeats * DATA_API_REQUESTS_PER_HEARTBEAT,
      unit: 'request',
      price: { key: 'dataApiRequest' },
      note: `${DATA_API_REQUESTS_PER_RUN} by the steps and callbacks, ${heartbeats} heartbeats`,
    },
    { what: 'S3 PUT requests', quantity: S3_REQUESTS_PER_RUN.put, unit: 'request', price: { key: 's3PutRequest' } },
    { what: 'S3 GET requests', quantity: S3_REQUESTS_PER_RUN.get, unit: 'request', price: { key: 's3GetRequest' } },
  ];
}

/** Data that leaves a cloud for the internet (the client always sits in the other cloud). */
function egressLines(facts: RunFacts): UsageLine[] {
  if (facts.controlPlane === 'local' && facts.client.kind === 'local') return [];
  const groups = facts.invocations;
  const rootCalls = sum(groups.filter((group) => group.root).map((group) => group.invocations));
  const answers = sum(groups.filter((group) => group.root).map((group) => group.answered));
  const records = sum(groups.map((group) => group.executed));
  const gb = (bytes: number) => bytes / BYTES_PER_GB;
  const answersGb = gb(answers * TRANSFER_BYTES.responsePerCall + records * TRANSFER_BYTES.perRecord);
  const requestsGb = gb(rootCalls * TRANSFER_BYTES.requestPerCall);
  const resultsGb = gb(facts.resultRows * TRANSFER_BYTES.perResultRow);
  const sizes = 'sizes assumed per call and per record (lib/cost/assumptions.ts)';
  const lines: UsageLine[] = [];
  if (facts.platform === 'aws-lambda') lines.push({ what: "data out of AWS: the functions' answers", quantity: answersGb, unit: 'GB', price: { key: 'awsEgressGb' }, note: sizes });
  else if (facts.platform === 'azure-functions') lines.push({ what: "data out of Azure: the functions' answers", quantity: answersGb, unit: 'GB', price: { key: 'azureEgressGb' }, note: sizes });
  else if (facts.platform === 'openfaas') lines.push({ what: "data out of your cluster: the functions' answers", quantity: answersGb, unit: 'GB', price: { free: YOUR_CLUSTER } });
  if (facts.client.kind === 'azure-vm') {
    lines.push({ what: "data out of Azure: the client's requests", quantity: requestsGb, unit: 'GB', price: { key: 'azureEgressGb' }, note: sizes });
    lines.push({ what: 'data out of Azure: the results upload to S3', quantity: resultsGb, unit: 'GB', price: { key: 'azureEgressGb' }, note: sizes });
    lines.push({ what: 'data out of AWS: the agent bundle and plan to the client', quantity: gb(TRANSFER_BYTES.agentDownload), unit: 'GB', price: { key: 'awsEgressGb' } });
  } else if (facts.client.kind === 'ec2') {
    lines.push({ what: "data out of AWS: the client's requests", quantity: requestsGb, unit: 'GB', price: { key: 'awsEgressGb' }, note: sizes });
    lines.push({ what: 'the results upload and agent download (EC2 ↔ S3 in one region)', quantity: resultsGb + gb(TRANSFER_BYTES.agentDownload), unit: 'GB', price: { free: 'no charge within a region' } });
  }
  return lines;
}
