import { AwsSolutionsChecks } from 'cdk-nag';
import { removeFlowLogsAssembly, synthFlowLogsStack, type FlowLogsSynth } from './enable-flow-logs-synth';

let synth: FlowLogsSynth;
beforeAll(() => {
  synth = synthFlowLogsStack({ bundle: false });
});
afterAll(() => removeFlowLogsAssembly(synth));

it('has no AwsSolutions finding left unacknowledged', () => {
  const report = new AwsSolutionsChecks().validateScope(synth.stack);
  expect(report.violations).toEqual([]);
});
