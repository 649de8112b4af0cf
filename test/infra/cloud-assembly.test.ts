import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { FLOW_LOGS_STACK, REMEDIATION_STACK, bundledAssembly } from './shared-assembly';

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; description: string; severity: string }[] }[];
}

describe('the bundled cloud assembly the infra tests share', () => {
  // Under jest the assembly is shared: nothing of this file's to remove.
  const assembly = () => bundledAssembly();

  it('holds both stacks under test', () => {
    expect(assembly().stacks.map((s) => s.stackName).sort()).toEqual([FLOW_LOGS_STACK, REMEDIATION_STACK].sort());
  });

  it('was validated by CDK against the CloudFormation schemas, as `cdk synth` does, with no finding', () => {
    // The report is written only when the validation ran: test/setup-env.ts turns it off for every other App.
    const file = path.join(assembly().directory, cxapi.VALIDATION_REPORT_FILE);
    expect(existsSync(file)).toBe(true);

    const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;

    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.ruleName} (${v.severity}): ${v.description}`))).toEqual([]);
  });
});
