import type { Template } from 'aws-cdk-lib/assertions';

/** One state of an Amazon States Language definition (the fields the infra tests read). */
export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Record<string, unknown>[];
  Resource?: string;
  Retry?: Record<string, unknown>[];
  Catch?: Record<string, unknown>[];
  TimeoutSeconds?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, AslState> };
  Branches?: { StartAt: string; States: Record<string, AslState> }[];
  [field: string]: unknown;
}

export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  [field: string]: unknown;
}

export interface ParsedStateMachine {
  logicalId: string;
  properties: Record<string, unknown>;
  asl: Asl;
  /** Every state by name, including those inside Map ItemProcessors. */
  states: Map<string, AslState>;
}

/** The ARN a `{"Fn::GetAtt": [logicalId, "Arn"]}` in the definition stands for. */
export const fakeArn = (logicalId: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;

/** The definition as plain JSON text: Join parts concatenated, GetAtt ...Arn replaced by `fakeArn`, a resource's Ref by its logical id. */
export function resolveDefinitionString(definition: unknown): string {
  if (typeof definition === 'string') return definition;
  const join = (definition as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join || join[0] !== '') throw new Error(`unexpected DefinitionString: ${JSON.stringify(definition)}`);
  return join[1].map((part) => {
    if (typeof part === 'string') return part;
    const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && getAtt[1] === 'Arn') return fakeArn(getAtt[0]);
    // A service integration's resource (e.g. lambda:invoke.waitForTaskToken) names the partition.
    const ref = (part as { Ref?: string }).Ref;
    if (ref === 'AWS::Partition') return 'aws';
    // A resource's name (the fleet's bucket in its ItemReader/ResultWriter): its logical id stands for it.
    if (typeof ref === 'string' && !ref.startsWith('AWS::')) return ref;
    throw new Error(`unexpected part in DefinitionString: ${JSON.stringify(part)}`);
  }).join('');
}

/** All states by name; names are unique across the machine and its Map processors. */
export function flattenStates(states: Record<string, AslState>, into = new Map<string, AslState>()): Map<string, AslState> {
  for (const [name, state] of Object.entries(states)) {
    if (into.has(name)) throw new Error(`state name ${name} appears twice`);
    into.set(name, state);
    if (state.ItemProcessor) flattenStates(state.ItemProcessor.States, into);
    for (const branch of state.Branches ?? []) flattenStates(branch.States, into);
  }
  return into;
}

/** The template's state machine of that name (or its only one), its definition parsed. */
export function parseStateMachine(template: Template, stateMachineName?: string): ParsedStateMachine {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([, r]) => !stateMachineName || (r.Properties as { StateMachineName?: string }).StateMachineName === stateMachineName);
  if (machines.length !== 1) throw new Error(`expected one state machine${stateMachineName ? ` named ${stateMachineName}` : ''}, found ${machines.length}`);
  const [logicalId, resource] = machines[0]!;
  const properties = resource.Properties as Record<string, unknown>;
  const asl = JSON.parse(resolveDefinitionString(properties.DefinitionString)) as Asl;
  return { logicalId, properties, asl, states: flattenStates(asl.States) };
}

/** The named state; throws (failing the test) if the machine has none by that name. */
export function stateNamed(states: Map<string, AslState>, name: string): AslState {
  const state = states.get(name);
  if (!state) throw new Error(`no state named ${name}`);
  return state;
}
