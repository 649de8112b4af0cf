import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withHooks } from '../../tasks/lib/client-hooks';
import { createDynamoDbClient } from '../../tasks/lib/clients/dynamodb';
import { CASE_TABLE_ENV, readCase, type CaseRecord } from '../../tasks/principal/lib/case-store';
import { INSTANCE_CASE_TABLE_ENV, readCaseInstances } from '../../tasks/isolation/lib/case-store';
import { caseIdSchema } from '../../tasks/principal/lib/schema';
import { collectCase } from '../audit/case';
import { caseText } from '../audit/render-case';
import { CliError, ioOf, parseSince, resolveRegion, sourceFor, type CliDeps, type CommonOptions } from './context';

export interface CaseOptions extends CommonOptions {
  /** The principal case table (default: PRINCIPAL_CASE_TABLE_NAME; --local: the local stack's). */
  caseTable?: string;
  /** isolate-instance's InstanceCases table (default: INSTANCE_CASE_TABLE_NAME; --local without --case-table: the local stack's). */
  instanceCaseTable?: string;
  since?: string;
}

/** The case table's name: the option, the environment, or (--local) the one the local stack names. */
function caseTableOf(options: CaseOptions): string | undefined {
  if (options.caseTable) return options.caseTable;
  if (process.env[CASE_TABLE_ENV]) return process.env[CASE_TABLE_ENV];
  if (!options.local) return undefined;
  // Synthesizes the stack (as `remediate start --local` does): only for --local, only when not given.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../local/runner') as typeof import('../../local/runner')).localStack().environment[CASE_TABLE_ENV];
}

function instanceTableOf(options: CaseOptions): string | undefined {
  if (options.instanceCaseTable) return options.instanceCaseTable;
  if (process.env[INSTANCE_CASE_TABLE_ENV]) return process.env[INSTANCE_CASE_TABLE_ENV];
  if (!options.local || options.caseTable) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../local/runner') as typeof import('../../local/runner')).localStack().environment[INSTANCE_CASE_TABLE_ENV];
}

/** `remediate case <id>`: the case's timeline, evidence, what was changed, and how to release. */
export async function caseCommand(caseId: string, options: CaseOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  if (!caseIdSchema.safeParse(caseId).success) throw new CliError(`case ${JSON.stringify(caseId)}: expected a case id such as case-<CloudTrail event id>`, 2);
  const table = caseTableOf(options);
  const region = resolveRegion(options);
  const dynamodbClient = () => deps.dynamodb ?? (region && !options.local ? withHooks(new DynamoDBClient({ region }), 'dynamodb') : createDynamoDbClient());
  const readRecord = async (id: string): Promise<CaseRecord | undefined | string> => {
    if (!table) return `the case table is unknown: give --case-table <name> (the stack's PrincipalCases table) or set ${CASE_TABLE_ENV}`;
    return readCase(dynamodbClient(), table, id);
  };
  const instanceTable = instanceTableOf(options);
  const view = await collectCase(sourceFor(options, deps), caseId, readRecord, {
    ...(options.since ? { since: parseSince(options.since, io.now()) } : {}), ...(options.local ? { local: true } : {}),
    ...(instanceTable ? { readInstances: (id: string) => readCaseInstances(dynamodbClient(), instanceTable, id) } : {}),
  });
  io.out(options.json ? JSON.stringify(view, null, 2) : caseText(view));
  return 0;
}
