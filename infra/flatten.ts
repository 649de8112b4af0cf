import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A CloudFormation template as JSON. */
export interface CfnTemplate {
  Resources: Record<string, CfnResourceJson>;
  Parameters?: Record<string, { Default?: unknown } & Record<string, unknown>>;
  Outputs?: Record<string, { Value: unknown } & Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  [section: string]: unknown;
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
  [attribute: string]: unknown;
}

const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';
/** Sections whose entries are merged from every nested stack into the one template. */
const MERGED_SECTIONS = ['Parameters', 'Conditions', 'Mappings'] as const;

/** The nested stacks whose parent is `stack` (not their own nested stacks). */
export const nestedStacksOf = (stack: Stack): NestedStack[] =>
  stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c) && c.nestedStackParent === stack);

/**
 * ONE template equivalent to what `stack` would be without nested stacks, from the cloud assembly in
 * `assemblyDir` that `stack`'s App synthesized: the stack's resources minus its AWS::CloudFormation::Stack
 * resources, plus every nested stack's resources (recursively), with each `{Ref: <parameter>}` of a nested
 * stack replaced by what its parent passes, and each `{Fn::GetAtt: [<nested stack>, "Outputs.<name>"]}`
 * replaced by that output's value. Tests and the local runner read this instead of the deployed shape.
 * A logical id present in two stacks fails (the flattened template could not hold both).
 */
export function flattenStack(stack: Stack, assemblyDir: string): CfnTemplate {
  return flatten(stack, assemblyDir).template;
}

interface Flattened {
  template: CfnTemplate;
  /** Output values of the stack by output name, in the stack's own terms. */
  outputs: Record<string, unknown>;
}

function flatten(stack: Stack, dir: string): Flattened {
  const template = JSON.parse(readFileSync(path.join(dir, stack.templateFile), 'utf8')) as CfnTemplate;
  const nestedOutputs = new Map<string, Record<string, unknown>>();
  const resources: Record<string, CfnResourceJson> = {};
  const merged: Record<string, Record<string, unknown>> = {};
  const nestedIds = new Set<string>();
  for (const nested of nestedStacksOf(stack)) {
    const logicalId = stack.resolve((nested.nestedStackResource as CfnResource).logicalId) as string;
    const resource = template.Resources[logicalId];
    if (resource?.Type !== NESTED_STACK_TYPE) throw new Error(`${nested.node.path}: no ${NESTED_STACK_TYPE} ${logicalId} in ${stack.templateFile}`);
    nestedIds.add(logicalId);
    const inner = flatten(nested, dir);
    const passed = (resource.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const substitute = parameterSubstitution(nested, inner.template, passed);
    for (const [id, r] of Object.entries(inner.template.Resources)) addOnce(resources, id, substitute(r), nested);
    const hoisted = Object.entries(inner.template.Parameters ?? {}).filter(([name]) => !(name in passed));
    for (const [name, value] of hoisted) mergeSection((merged.Parameters ??= {}), 'Parameters', name, value, nested);
    for (const section of MERGED_SECTIONS.filter((s) => s !== 'Parameters')) {
      for (const [name, value] of Object.entries((inner.template[section] ?? {}) as Record<string, unknown>)) {
        mergeSection((merged[section] ??= {}), section, name, substitute(value), nested);
      }
    }
    nestedOutputs.set(logicalId, Object.fromEntries(Object.entries(inner.outputs).map(([name, value]) => [name, substitute(value)])));
  }
  for (const [id, r] of Object.entries(template.Resources)) if (!nestedIds.has(id)) addOnce(resources, id, r, stack);
  const resolveOutputs = (value: unknown): unknown => replaceOutputs(value, nestedOutputs, nestedIds, 0);
  const result: CfnTemplate = { ...template, Resources: {} };
  for (const [id, r] of Object.entries(resources)) result.Resources[id] = withoutNestedDependencies(resolveOutputs(r) as CfnResourceJson, nestedIds);
  for (const section of MERGED_SECTIONS) {
    const all = { ...((template[section] ?? {}) as Record<string, unknown>) };
    for (const [name, value] of Object.entries(merged[section] ?? {})) mergeSection(all, section, name, value, stack);
    if (Object.keys(all).length > 0) (result as Record<string, unknown>)[section] = resolveOutputs(all);
  }
  if (template.Outputs) result.Outputs = resolveOutputs(template.Outputs) as CfnTemplate['Outputs'];
  const outputs = Object.fromEntries(Object.entries(result.Outputs ?? {}).map(([name, o]) => [name, o.Value]));
  // A nested stack's outputs are the plumbing of references to it: they end with it (the root keeps its own).
  if (stack.nestedStackParent) delete result.Outputs;
  return { template: result, outputs };
}

/** Replaces `{Ref: <parameter>}` of `nested` with the value its parent passes (or the parameter's default). */
function parameterSubstitution(nested: NestedStack, template: CfnTemplate, passed: Record<string, unknown>): (value: unknown) => unknown {
  const parameters = template.Parameters ?? {};
  const missing = Object.keys(parameters).filter((name) => !(name in passed) && !('Default' in (parameters[name] ?? {})));
  if (missing.length > 0) throw new Error(`${nested.node.path}: parameters ${missing.join(', ')} have no value from the parent and no default`);
  // Not passed, with a default (an SSM parameter's name): it stays a parameter, of the one template (flatten hoists it).
  const names = Object.keys(parameters).filter((name) => name in passed);
  const valueOf = (name: string): unknown => passed[name];
  return (value) => mapJson(value, (node) => {
    if (isObject(node) && Object.keys(node).length === 1 && typeof node.Ref === 'string' && names.includes(node.Ref)) return { value: valueOf(node.Ref) };
    if (isObject(node) && 'Fn::Sub' in node) {
      const text = JSON.stringify(node['Fn::Sub']);
      const used = names.find((name) => text.includes(`\${${name}}`));
      if (used) throw new Error(`${nested.node.path}: Fn::Sub names parameter ${used}; flattening does not rewrite Fn::Sub`);
    }
    return undefined;
  });
}

/** Replaces `{Fn::GetAtt: [<nested>, "Outputs.<name>"]}` with the output's value, itself resolved again. */
function replaceOutputs(value: unknown, outputs: Map<string, Record<string, unknown>>, nestedIds: Set<string>, depth: number): unknown {
  if (depth > 20) throw new Error('nested stack outputs refer to each other in a loop');
  return mapJson(value, (node) => {
    if (!isObject(node) || !Array.isArray(node['Fn::GetAtt'])) return undefined;
    const [id, attribute] = node['Fn::GetAtt'] as [string, string];
    if (!nestedIds.has(id)) return undefined;
    const name = /^Outputs\.(.+)$/.exec(attribute)?.[1];
    const found = name === undefined ? undefined : outputs.get(id)?.[name];
    if (found === undefined) throw new Error(`${id}.${attribute} is no output of that nested stack`);
    return { value: replaceOutputs(found, outputs, nestedIds, depth + 1) };
  });
}

/**
 * A DependsOn a nested stack resource: in one template the dependency is on what that stack held, which
 * the references (Ref/GetAtt) already carry; the nested stack itself is gone.
 */
function withoutNestedDependencies(resource: CfnResourceJson, nestedIds: Set<string>): CfnResourceJson {
  if (resource.DependsOn === undefined) return resource;
  const kept = [resource.DependsOn].flat().filter((id) => !nestedIds.has(id));
  if (kept.length === [resource.DependsOn].flat().length) return resource;
  // Key order kept, so the template reads (and compares) as the single stack's did.
  return Object.fromEntries(Object.entries(resource).flatMap(([key, value]) => key !== 'DependsOn' ? [[key, value]]
    : kept.length === 0 ? [] : [[key, typeof value === 'string' ? kept[0] : kept]])) as CfnResourceJson;
}

function addOnce(into: Record<string, CfnResourceJson>, id: string, resource: unknown, from: IConstruct): void {
  if (id in into) throw new Error(`logical id ${id} (in ${from.node.path}) is also in another stack of the same deployment`);
  into[id] = resource as CfnResourceJson;
}

/** Conditions and mappings CDK adds to each stack alike may repeat with the same value; a different one fails. */
function mergeSection(into: Record<string, unknown>, section: string, name: string, value: unknown, from: IConstruct): void {
  if (name in into && JSON.stringify(into[name]) !== JSON.stringify(value)) throw new Error(`${section} ${name} (in ${from.node.path}) differs from another stack's`);
  into[name] = value;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep copy of JSON where `replace` answers `{value}` for the nodes it rewrites (not descended into again). */
function mapJson(value: unknown, replace: (node: unknown) => { value: unknown } | undefined): unknown {
  const replaced = replace(value);
  if (replaced) return replaced.value;
  if (Array.isArray(value)) return value.map((v) => mapJson(v, replace));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapJson(v, replace)]));
  return value;
}
