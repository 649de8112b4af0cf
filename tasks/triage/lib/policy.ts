/**
 * What triage does per finding: `approval` starts the child, which asks a person before any
 * change (the default for disruptive work); `auto` starts it without asking; `report` only reports.
 */
export type TriageDecision = 'auto' | 'approval' | 'report';

/** The workflows a triage policy (CDK context `triage.policy`) may name. */
export const TRIAGE_POLICY_WORKFLOWS = [
  'encrypt-volumes', 'enable-flow-logs', 'investigate-traffic', 'restrict-security-groups', 'enforce-imdsv2', 'enable-ebs-encryption-by-default',
  'contain-principal',
  'high-cpu',
  'isolate-instance',
] as const;
export type TriagePolicyWorkflow = (typeof TRIAGE_POLICY_WORKFLOWS)[number];
export type TriagePolicy = Partial<Record<TriagePolicyWorkflow, TriageDecision>>;

/**
 * The policy when CDK context `triage.policy` gives none: the stack passes it to assess-instance. A policy
 * that omits a workflow gets that workflow's entry here. investigate-traffic is read-only, but starting it
 * for every unexpected start costs flow-log reads: reported until a deployment opts in.
 */
export const DEFAULT_TRIAGE_POLICY: Record<TriagePolicyWorkflow, TriageDecision> = {
  'encrypt-volumes': 'approval', 'enable-flow-logs': 'auto', 'investigate-traffic': 'report', 'restrict-security-groups': 'report',
  // Enforcing IMDSv2 can break software; the EBS default changes every later launch in the region: reported until opted in.
  'enforce-imdsv2': 'report', 'enable-ebs-encryption-by-default': 'report',
  // Deactivating a key or denying a role's sessions can stop production work: a person approves first (issue 10).
  'contain-principal': 'approval',
  // An alarm notifies the stack's topic for every instance it is put on: reported until opted in.
  'high-cpu': 'report',
  // Snapshots, protection and moving every ENI to the empty group cut the instance off: a person approves first (issue 10).
  'isolate-instance': 'approval',
};

/** The policy in force: the given entries, and the default for every workflow the given policy omits. */
export const effectivePolicy = (policy: TriagePolicy | undefined): Record<TriagePolicyWorkflow, TriageDecision> => ({ ...DEFAULT_TRIAGE_POLICY, ...policy });

const RANK: Record<TriageDecision, number> = { report: 0, approval: 1, auto: 2 };

/** The more careful of two decisions: `report` over `approval` over `auto`. */
export const stricterDecision = (a: TriageDecision, b: TriageDecision): TriageDecision => (RANK[a] <= RANK[b] ? a : b);
