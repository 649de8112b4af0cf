/**
 * What triage does per finding: `approval` starts the child, which asks a person before any
 * change (the default for disruptive work); `auto` starts it without asking; `report` only reports.
 */
export type TriageDecision = 'auto' | 'approval' | 'report';

/** The policy when CDK context `triage.policy` gives none: the stack passes it to assess-instance. */
export const DEFAULT_TRIAGE_POLICY: Record<string, TriageDecision> = { 'encrypt-volumes': 'approval', 'enable-flow-logs': 'auto' };
